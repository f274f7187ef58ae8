import type { Manifest } from "./targets/cluster-target";

// Policy objects first (they must be in place when pods appear), then what pods consume
// (identities, config, storage, networking), then the workloads themselves.
const ORDER = [
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "Secret",
  "ConfigMap",
  "PersistentVolumeClaim",
  "Service",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "Pod",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
];
const rank = (kind: unknown) => {
  const i = ORDER.indexOf(String(kind));
  return i === -1 ? ORDER.length : i;
};

/** A stable order in which a set of manifests can be applied. */
export const applyOrder = (manifests: Manifest[]): Manifest[] =>
  manifests
    .map((m, i) => ({ m, i }))
    .sort((a, b) => rank(a.m.kind) - rank(b.m.kind) || a.i - b.i)
    .map(({ m }) => m);

/**
 * What other objects of a set refer to, checked by kube-apiserver when they are created: a Pod's
 * ServiceAccount (plugin/pkg/admission/serviceaccount/admission.go) and a RoleBinding's Role
 * (pkg/registry/rbac/rolebinding/policybased/storage.go resolves it unless the caller may `bind`).
 * A dry run persists nothing, so these must exist for real before the rest is dry-run.
 */
const REFERENCED = new Set(["ServiceAccount", "Role"]);

/** The set in waves: first what the rest refers to, then the rest; each wave in apply order. */
export const applyWaves = (manifests: Manifest[]): Manifest[][] => {
  const ordered = applyOrder(manifests);
  return [ordered.filter((m) => REFERENCED.has(String(m.kind))), ordered.filter((m) => !REFERENCED.has(String(m.kind)))].filter((w) => w.length > 0);
};
