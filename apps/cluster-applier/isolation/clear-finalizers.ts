import * as k8s from "@kubernetes/client-node";

/**
 * What a job's objects can be: the kinds admission allows, plus what a job's pods may write
 * through the API (ConfigMaps, Leases). Admission refuses finalizers at submit and the
 * deployments cluster refuses a job's service accounts adding any (job-fence-policy.ts); this
 * is the last line: a rollback clears user finalizers instead of waiting on them.
 */
export const JOB_OBJECT_KINDS: readonly (readonly [apiVersion: string, kind: string])[] = [
  ["v1", "ConfigMap"],
  ["v1", "Secret"],
  ["v1", "Service"],
  ["v1", "ServiceAccount"],
  ["v1", "PersistentVolumeClaim"],
  ["v1", "Pod"],
  ["apps/v1", "Deployment"],
  ["apps/v1", "StatefulSet"],
  ["apps/v1", "ReplicaSet"],
  ["batch/v1", "Job"],
  ["batch/v1", "CronJob"],
  ["autoscaling/v2", "HorizontalPodAutoscaler"],
  ["policy/v1", "PodDisruptionBudget"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
  ["rbac.authorization.k8s.io/v1", "Role"],
  ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  ["coordination.k8s.io/v1", "Lease"],
];

/**
 * Finalizers Kubernetes itself sets and removes (garbage collection, pvc-protection, the Job
 * controller's pod tracking): left alone, they resolve as the namespace empties.
 */
const isSystemFinalizer = (f: string) => f === "foregroundDeletion" || f === "orphan" || /(^|\.)kubernetes\.io\//.test(f) || /(^|\.)k8s\.io\//.test(f);

/** Remove user finalizers from every object of the job's namespace; returns `Kind/name` of each object changed. */
export const clearUserFinalizers = async (api: k8s.KubernetesObjectApi, namespace: string, fieldManager: string): Promise<string[]> => {
  const cleared: string[] = [];
  for (const [apiVersion, kind] of JOB_OBJECT_KINDS) {
    let items: k8s.KubernetesObject[];
    try {
      items = (await api.list(apiVersion, kind, namespace)).items;
    } catch (err) {
      if (err instanceof k8s.ApiException && err.code === 404) continue; // kind or namespace gone
      if (err instanceof Error && /Unrecognized API version and kind|Unknown kind/i.test(err.message)) continue; // not served here
      throw err;
    }
    for (const item of items) {
      const finalizers = item.metadata?.finalizers ?? [];
      const kept = finalizers.filter(isSystemFinalizer);
      if (kept.length === finalizers.length) continue;
      const name = item.metadata!.name!;
      await api.patch({ apiVersion, kind, metadata: { name, namespace, finalizers: kept } }, undefined, undefined, fieldManager, undefined, k8s.PatchStrategy.MergePatch);
      cleared.push(`${kind}/${name}`);
    }
  }
  return cleared;
};
