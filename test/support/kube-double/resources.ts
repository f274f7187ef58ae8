/** The kinds the API-server double serves (discovery, paths, scope). */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const RESOURCES: ResourceInfo[] = (
  [
    ["", "v1", "Namespace", "namespaces", false],
    ["", "v1", "Pod", "pods", true],
    ["", "v1", "Service", "services", true],
    ["", "v1", "ConfigMap", "configmaps", true],
    ["", "v1", "Secret", "secrets", true],
    ["", "v1", "ServiceAccount", "serviceaccounts", true],
    ["", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true],
    ["", "v1", "ResourceQuota", "resourcequotas", true],
    ["", "v1", "LimitRange", "limitranges", true],
    ["apps", "v1", "Deployment", "deployments", true],
    ["apps", "v1", "StatefulSet", "statefulsets", true],
    ["apps", "v1", "ReplicaSet", "replicasets", true],
    ["batch", "v1", "Job", "jobs", true],
    ["batch", "v1", "CronJob", "cronjobs", true],
    ["networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true],
    ["rbac.authorization.k8s.io", "v1", "Role", "roles", true],
    ["rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true],
    ["rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false],
    ["rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false],
    ["policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true],
    ["autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true],
    ["kueue.x-k8s.io", "v1beta2", "LocalQueue", "localqueues", true],
    ["kueue.x-k8s.io", "v1beta2", "Workload", "workloads", true],
    ["kueue.x-k8s.io", "v1beta2", "ClusterQueue", "clusterqueues", false],
    // Kueue's visibility API: only GET clusterqueues/<name>/pendingworkloads is served.
    ["visibility.kueue.x-k8s.io", "v1beta2", "ClusterQueue", "clusterqueues", false],
  ] as const
).map(([group, version, kind, plural, namespaced]) => ({ group, version, kind, plural, namespaced }));

export const byKind = (kind: string) => RESOURCES.find((r) => r.kind === kind);
export const apiVersionOf = (r: ResourceInfo) => (r.group ? `${r.group}/${r.version}` : r.version);
