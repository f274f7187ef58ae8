import { DEFAULT_TENANT, namespaceFor, type Problem, type ResourceRef } from "../../shared/contract";
import type { ParsedDocument } from "../../shared/manifests/parse-yaml";
import { checkIdentity } from "./check-identity";
import { checkSchema } from "./check-schema";
import type { Finding, Obj } from "./finding";
import { labelAndPlace } from "./label-and-place";
import { checkObjectRules } from "./object-rules";
import { checkPodSpec, podSpecOf } from "./pod-security";
import { checkRoleGrants } from "./rbac-grants";

export interface AdmissionPolicy {
  allowedRegistries: string[];
  jobActiveDeadlineSeconds: number;
  jobTtlSecondsAfterFinished: number;
}

export const DEFAULT_POLICY: AdmissionPolicy = { allowedRegistries: [], jobActiveDeadlineSeconds: 86400, jobTtlSecondsAfterFinished: 3600 };

export type Admission =
  | { ok: true; manifests: Record<string, unknown>[]; resources: ResourceRef[] }
  | { ok: false; problems: Problem[] };

/**
 * Admission over documents parsed safely at the edge. Per object: identity, allow-listed
 * kind, the Kubernetes schema of its apiVersion/kind, kind-specific rules, and the "restricted"
 * Pod Security Standard for every pod template; then it is placed in the job's namespace and
 * labelled. Safe defaults are filled in; unsafe requests are refused. Every problem of every
 * document is reported at once, so a user fixes them in one round.
 */
export const admit = (jobId: string, documents: ParsedDocument[], policy: AdmissionPolicy = DEFAULT_POLICY, tenant = DEFAULT_TENANT): Admission => {
  const problems: Problem[] = [];
  const manifests: Obj[] = [];
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
    const report = (findings: Finding[]) => problems.push(...findings.map((f) => ({ ...at, object, ...f })));

    const first = seen.get(object);
    if (first) {
      report([{ path: "metadata.name", rule: "duplicate", message: `${object} is defined twice (first in ${first})` }]);
      continue;
    }
    seen.set(object, `${doc.file} document ${doc.document}`);

    const schema = checkSchema(doc.value);
    report(schema);
    if (schema.some((f) => f.rule === "kind/not-allowed")) continue;

    const placed = labelAndPlace(doc.value, jobId, tenant);
    report(checkObjectRules(placed, { namespace, ...policy }));
    report(checkRoleGrants(placed));
    const pod = podSpecOf(placed);
    if (pod) report(checkPodSpec(pod.spec, pod.path, policy));
    manifests.push(placed);
  }
  if (problems.length === 0 && documents.length === 0) {
    problems.push({ message: "no manifests found: send one or more Kubernetes objects" });
  }
  if (problems.length > 0) return { ok: false, problems };

  const resources = manifests.map((m) => {
    const meta = m.metadata as { name: string; namespace: string };
    return { apiVersion: String(m.apiVersion), kind: String(m.kind), namespace: meta.namespace, name: meta.name };
  });
  return { ok: true, manifests, resources };
};

export const summarize = (problems: Problem[]): string =>
  `${problems.length} problem${problems.length === 1 ? "" : "s"} in the manifests: ${problems
    .slice(0, 3)
    .map((p) => (p.document ? `${p.file ?? ""} document ${p.document}${p.object ? ` (${p.object})` : ""}${p.path ? ` ${p.path}` : ""}: ` : "") + p.message)
    .join("; ")}${problems.length > 3 ? "; ..." : ""}`;
