import { DEFAULT_ISOLATION, PROBLEMS_TRUNCATED_RULE, capProblems, capWarnings, DEFAULT_TENANT, JOB_ID_LABEL, TENANT_LABEL, namespaceFor, type AdmissionWarning, type IsolationSettings, type Problem, type QueueCapacity, type ResourceRef } from "../contract";
import type { ParsedDocument } from "../manifests/parse-yaml";
import { checkBudget, checkStorage, type Placed } from "./budget";
import { checkIdentity } from "./check-identity";
import { checkSchema } from "./check-schema";
import { checkEvictionAnnotation, checkPdbsAgainstPods, checkPodAffinityNamespaces } from "./disruption";
import { collect, under, type Obj } from "./finding";
import { labelAndPlace } from "./label-and-place";
import { checkMetadata } from "./metadata";
import { checkObjectRules } from "./object-rules";
import { checkPlacement } from "./placement";
import { checkPodSpec, podOf } from "./pod-security";
import { checkRoleGrants } from "./rbac-grants";
import { checkCapacity } from "./capacity";

export interface AdmissionPolicy {
  allowedRegistries: string[];
  jobActiveDeadlineSeconds: number;
  jobTtlSecondsAfterFinished: number;
  /** The fence's numbers, as the applier installs them (same config). */
  isolation: IsolationSettings;
  allowedPriorityClasses: string[];
  allowedStorageClasses: string[];
  /** What the stack's Kueue queues can ever admit; undefined: not checked (no cluster). */
  capacity?: QueueCapacity;
}

export const DEFAULT_POLICY: AdmissionPolicy = {
  allowedRegistries: [],
  jobActiveDeadlineSeconds: 86400,
  jobTtlSecondsAfterFinished: 3600,
  isolation: DEFAULT_ISOLATION,
  allowedPriorityClasses: [],
  allowedStorageClasses: ["standard-rwo", "premium-rwo"],
};

export type Admission =
  | { ok: true; manifests: Record<string, unknown>[]; resources: ResourceRef[]; warnings: AdmissionWarning[] }
  | { ok: false; problems: Problem[] };

/**
 * Admission over documents parsed safely at the edge. Per object: identity, server-written
 * metadata removed (and finalizers/ownerReferences refused), allow-listed kind, the Kubernetes
 * schema of its apiVersion/kind, kind-specific rules (RBAC, Services, NetworkPolicies, data
 * sizes), the Pod Security Standards (baseline and restricted) and placement rules for every
 * pod template, storage classes and sizes; then it is placed in the job's namespace and
 * labelled; then the whole job against its quota. Safe defaults are filled in and each change
 * is reported as a warning; unsafe requests are refused. Every problem of every document is
 * reported at once, so a user fixes them in one round.
 */
export const admit = (jobId: string, documents: ParsedDocument[], policy: AdmissionPolicy = DEFAULT_POLICY, tenant = DEFAULT_TENANT): Admission => {
  const problems: Problem[] = [];
  const warnings: AdmissionWarning[] = [];
  const manifests: Obj[] = [];
  const placedAt: Placed[] = [];
  const seen = new Map<string, string>();
  const namespace = namespaceFor(jobId);

  for (const doc of documents) {
    const at = { file: doc.file, document: doc.document, line: doc.line };
    const identity = checkIdentity(doc);
    if (identity.length > 0) {
      problems.push(...identity);
      continue;
    }
    const object = `${String(doc.value.kind)}/${String((doc.value.metadata as { name: string }).name)}`;
    const first = seen.get(object);
    if (first) {
      problems.push({ ...at, object, path: "metadata.name", rule: "duplicate", message: `${object} is defined twice (first in ${first})` });
      continue;
    }
    seen.set(object, `${doc.file} document ${doc.document}`);

    const r = collect();
    const obj = structuredClone(doc.value);
    checkMetadata(obj, r);
    const schema = checkSchema(obj);
    for (const f of schema) r.problems.push(f);
    if (!schema.some((f) => f.rule === "kind/not-allowed")) {
      const requested = (obj.metadata as Obj).namespace;
      if (typeof requested === "string" && requested !== namespace) r.changed("metadata.namespace", `the object was moved from namespace ${requested} into the job's namespace ${namespace}`);
      const own = (obj.metadata as Obj).labels;
      for (const [k, v] of Object.entries(own && typeof own === "object" ? (own as Obj) : {})) {
        if ((k === JOB_ID_LABEL && v !== jobId) || (k === TENANT_LABEL && v !== tenant)) r.changed(`metadata.labels.${k}`, `label ${k} is the platform's; ${String(v)} was replaced`);
      }
      const placed = labelAndPlace(obj, jobId, tenant);
      checkObjectRules(placed, { namespace, ...policy }, r);
      for (const f of checkRoleGrants(placed)) r.problems.push(f);
      const pod = podOf(placed);
      if (pod) {
        checkPodSpec(pod.spec, pod.meta, pod.specPath, pod.metaPath, policy, r);
        checkPlacement(pod.spec, policy, under(r, pod.specPath));
        checkPodAffinityNamespaces(pod.spec, namespace, under(r, pod.specPath));
        checkEvictionAnnotation(pod.meta, under(r, pod.metaPath));
        // After the placement check: the platform's own additions for GPU pods are not the user's.
        checkCapacity(placed, pod.spec, policy.capacity, tenant, under(r, pod.specPath));
      }
      checkStorage(placed, policy, r);
      manifests.push(placed);
      placedAt.push({ obj: placed, at });
    }
    // Loops, not push(...list): a list of 100,000 findings would overflow the stack as arguments.
    for (const f of r.problems) problems.push({ ...at, object, ...f });
    for (const c of r.changes) warnings.push({ file: doc.file, document: doc.document, object, ...c });
  }
  if (problems.length === 0 && documents.length === 0) {
    problems.push({ message: "no manifests found: send one or more Kubernetes objects" });
  }
  for (const p of checkPdbsAgainstPods(placedAt)) problems.push(p);
  if (problems.length === 0) problems.push(...checkBudget(placedAt, policy));
  // Bounded, like everything a refusal is stored in and sent with (contract/problem-limits.ts).
  if (problems.length > 0) return { ok: false, problems: capProblems(problems) };

  const resources = manifests.map((m) => {
    const meta = m.metadata as { name: string; namespace: string };
    return { apiVersion: String(m.apiVersion), kind: String(m.kind), namespace: meta.namespace, name: meta.name };
  });
  return { ok: true, manifests, resources, warnings: capWarnings(warnings) };
};

export const summarize = (problems: Problem[]): string => {
  const listed = problems.filter((p) => p.rule !== PROBLEMS_TRUNCATED_RULE);
  const total = listed.length + problems.reduce((n, p) => n + (p.rule === PROBLEMS_TRUNCATED_RULE ? Number(/^and (\d+)/.exec(p.message)?.[1] ?? 0) : 0), 0);
  return `${total} problem${total === 1 ? "" : "s"} in the manifests: ${listed
    .slice(0, 3)
    .map((p) => (p.document ? `${p.file ?? ""} document ${p.document}${p.object ? ` (${p.object})` : ""}${p.path ? ` ${p.path}` : ""}: ` : "") + p.message)
    .join("; ")}${total > 3 ? "; ..." : ""}`;
};
