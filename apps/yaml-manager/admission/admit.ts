import type { Problem, ResourceRef } from "../../shared/contract";
import type { ParsedDocument } from "../../shared/manifests/parse-yaml";
import { checkIdentity } from "./check-identity";
import { labelAndPlace } from "./label-and-place";

export type Admission =
  | { ok: true; manifests: Record<string, unknown>[]; resources: ResourceRef[] }
  | { ok: false; problems: Problem[] };

/**
 * Admission, first version, over documents parsed safely at the edge: identity checks, no
 * cluster-scoped objects, no duplicates; then every object is placed in the job's
 * namespace and labelled. Every problem is reported at once so a user fixes them in one
 * round.
 */
export const admit = (jobId: string, documents: ParsedDocument[]): Admission => {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const doc of documents) {
    const found = checkIdentity(doc);
    problems.push(...found);
    if (found.length > 0) continue;
    const key = `${String(doc.value.kind)}/${String((doc.value.metadata as { name: string }).name)}`;
    const where = `${doc.file} document ${doc.document}`;
    const first = seen.get(key);
    if (first) {
      problems.push({ file: doc.file, document: doc.document, line: doc.line, path: "metadata.name", message: `${key} is defined twice (first in ${first})` });
    } else {
      seen.set(key, where);
    }
  }
  if (problems.length === 0 && documents.length === 0) {
    problems.push({ message: "no manifests found: send one or more Kubernetes objects" });
  }
  if (problems.length > 0) return { ok: false, problems };

  const manifests = documents.map((d) => labelAndPlace(d.value, jobId));
  const resources = manifests.map((m) => {
    const meta = m.metadata as { name: string; namespace: string };
    return { apiVersion: String(m.apiVersion), kind: String(m.kind), namespace: meta.namespace, name: meta.name };
  });
  return { ok: true, manifests, resources };
};

export const summarize = (problems: Problem[]): string =>
  `${problems.length} problem${problems.length === 1 ? "" : "s"} in the manifests: ${problems
    .slice(0, 3)
    .map((p) => (p.document ? `${p.file ?? ""} document ${p.document}${p.line ? ` line ${p.line}` : ""}: ` : "") + p.message)
    .join("; ")}${problems.length > 3 ? "; ..." : ""}`;
