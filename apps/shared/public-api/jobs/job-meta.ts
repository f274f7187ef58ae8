import { JOB_LABELS_MAX, JOB_NAME_MAX, JobName } from "../../contract";
import { badRequest } from "../../errors/app-error";
import { labelKeyError, labelValueError } from "../../labels/label-selector";
import type { ParsedDocument } from "../../manifests/parse-yaml";

/** What a submission says about the job itself, beside its manifests. */
export interface JobMeta {
  name?: string;
  labels?: Record<string, string>;
}

const one = (v: unknown, what: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest(`${what} may be given once`);
  return v;
};

/**
 * Labels as `key=value,key2=value2` (the form of kubectl's `-l k=v`; a label value never holds a
 * comma), each checked by Kubernetes' rules; at most JOB_LABELS_MAX.
 */
export const parseLabels = (text: string): Record<string, string> => {
  const labels: Record<string, string> = {};
  for (const pair of text.split(",").filter((p) => p.trim() !== "")) {
    const eq = pair.indexOf("=");
    if (eq < 0) throw badRequest(`label "${pair}" must be key=value`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const error = labelKeyError(key) ?? labelValueError(value);
    if (error) throw badRequest(error);
    if (key in labels) throw badRequest(`label ${key} is given twice`);
    labels[key] = value;
  }
  if (Object.keys(labels).length > JOB_LABELS_MAX) throw badRequest(`at most ${JOB_LABELS_MAX} labels per job`);
  return labels;
};

/** `?name=` and `?labels=` of a submission or a resubmission, checked (400 saying what to fix). */
export const metaFromQuery = (query: Record<string, unknown>): JobMeta => {
  const meta: JobMeta = {};
  const name = one(query.name, "name");
  if (name !== undefined) {
    const parsed = JobName.safeParse(name);
    if (!parsed.success) throw badRequest(`name ${JSON.stringify(name)}: ${parsed.error.issues[0]!.message}`);
    meta.name = name;
  }
  const labels = one(query.labels, "labels");
  if (labels !== undefined) meta.labels = parseLabels(labels);
  return meta;
};

/**
 * A name for a job that was given none: its first object's kind and name as a DNS label
 * (`Job/pi` → `job-pi`), or nothing when the first document has neither.
 */
export const deriveName = (documents: ParsedDocument[]): string | undefined => {
  const first = documents[0]?.value;
  const kind = typeof first?.kind === "string" ? first.kind : undefined;
  const meta = first?.metadata as { name?: unknown; generateName?: unknown } | undefined;
  const name = typeof meta?.name === "string" ? meta.name : typeof meta?.generateName === "string" ? meta.generateName : undefined;
  if (!kind || !name) return undefined;
  const label = `${kind}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, JOB_NAME_MAX)
    .replace(/^-+|-+$/g, "");
  return JobName.safeParse(label).success ? label : undefined;
};
