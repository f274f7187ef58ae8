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
