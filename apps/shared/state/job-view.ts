import {
  DEFAULT_TENANT,
  STATUS_RANK,
  namespaceFor,
  type AdmissionWarning,
  type HistoryEntry,
  type JobStatus,
  type JobView,
  type Problem,
  type ResourceRef,
  type TargetKind,
  type Workload,
} from "../contract";

const parseJson = <T>(raw: string | undefined, fallback: T): T => (raw ? (JSON.parse(raw) as T) : fallback);

/**
 * The API's view of a job from its two Redis hashes (the record and the history, as the
 * transition script writes them); null when the record is missing. History is listed in
 * rank order, then by time.
 */
export const toView = (hash: Record<string, string>, history: Record<string, string>): JobView | null => {
  if (!hash.id) return null;
  const entries: HistoryEntry[] = Object.entries(history)
    .map(([status, at]) => ({ status: status as JobStatus, at }))
    .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.at.localeCompare(b.at));
  return {
    id: hash.id,
    tenant: hash.tenant ?? DEFAULT_TENANT,
    ...(hash.name ? { name: hash.name } : {}),
    ...(hash.labels ? { labels: parseJson<Record<string, string>>(hash.labels, {}) } : {}),
    ...(hash.resubmittedFrom ? { resubmittedFrom: hash.resubmittedFrom } : {}),
    status: hash.status as JobStatus,
    ...(hash.reason ? { reason: hash.reason } : {}),
    ...(hash.problems ? { problems: parseJson<Problem[]>(hash.problems, []) } : {}),
    ...(hash.warnings ? { warnings: parseJson<AdmissionWarning[]>(hash.warnings, []) } : {}),
    history: entries,
    namespace: hash.namespace ?? namespaceFor(hash.id),
    resources: parseJson<ResourceRef[]>(hash.resources, []),
    ...(hash.target ? { target: hash.target as TargetKind } : {}),
    ...(hash.workload ? { workload: parseJson<Workload>(hash.workload, undefined as never) } : {}),
    createdAt: hash.createdAt ?? "",
    updatedAt: hash.updatedAt ?? hash.createdAt ?? "",
  };
};
