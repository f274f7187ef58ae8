import type { Problem } from "../contract";
import type { ParsedDocument } from "../manifests/parse-yaml";
import { CLUSTER_SCOPED_KINDS } from "./cluster-scoped-kinds";

// RFC 1123 subdomain, the rule Kubernetes applies to most object names.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The fields every manifest needs before anything else can be said about it. */
export const checkIdentity = (doc: ParsedDocument): Problem[] => {
  const at = { file: doc.file, document: doc.document, line: doc.line };
  const v = doc.value;
  const problems: Problem[] = [];
  const str = (x: unknown) => typeof x === "string" && x.length > 0;

  if (!str(v.apiVersion)) problems.push({ ...at, path: "apiVersion", rule: "identity", message: "apiVersion is required (e.g. apps/v1)" });
  if (!str(v.kind)) problems.push({ ...at, path: "kind", rule: "identity", message: "kind is required (e.g. Deployment)" });
  const meta = v.metadata;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    problems.push({ ...at, path: "metadata", rule: "identity", message: "metadata is required, with at least metadata.name" });
    return problems;
  }
  const name = (meta as Record<string, unknown>).name;
  if (!str(name)) {
    problems.push({ ...at, path: "metadata.name", rule: "identity", message: "metadata.name is required" });
  } else if ((name as string).length > 253 || !DNS_SUBDOMAIN.test(name as string)) {
    problems.push({
      ...at,
      path: "metadata.name",
      rule: "identity",
      message: `metadata.name "${String(name).slice(0, 60)}" must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    });
  }
  if (str(v.kind) && CLUSTER_SCOPED_KINDS.has(v.kind as string)) {
    problems.push({
      ...at,
      path: "kind",
      rule: "kind/cluster-scoped",
      message: `${String(v.kind)} is cluster-scoped; a job may only create objects inside its own namespace`,
    });
  }
  return problems;
};
