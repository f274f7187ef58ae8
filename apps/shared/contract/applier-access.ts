/**
 * What the Cluster Applier may do in the `deployments` cluster: the one definition that infra's
 * RBAC (ClusterRoles and binding), the applier (its per-namespace binding) and admission (which
 * Role rules a job may ask for) all read.
 *
 * RBAC cannot name "every job namespace", so the applier holds two sets:
 * - cluster-wide (ClusterRoleBinding): namespaces, the reads its workload watcher needs, and just
 *   enough to bind the second set inside a namespace it created;
 * - in each job namespace (a RoleBinding the applier creates there, named below): the admitted
 *   kinds. Nothing of it reaches kube-system or any namespace that is not a job's.
 * The read API's log access (LOG_READER_ACCESS, below) is bound the same way, per job namespace.
 *
 * kube-apiserver lets the applier create a Role only with permissions it holds in that namespace
 * (kubernetes/kubernetes pkg/registry/rbac/role/policybased/storage.go, ConfirmNoEscalation in
 * pkg/registry/rbac/validation/rule.go), so the job-namespace set is also what a job's Role may
 * grant. Grants marked `delegable` are there only for that: the applier never calls them, jobs'
 * Roles commonly ask for them (read, update, delete of their own workloads).
 */
export interface Grant {
  apiGroup: string;
  resource: string;
  verb: string;
  resourceName?: string;
  scope: "cluster" | "job-namespace";
  /** `applier`: a call the applier makes; `delegable`: held only so that job Roles may grant it. */
  use: "applier" | "delegable";
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export const APPLIER_ACCESS = {
  /** Bound cluster-wide to the applier's identity. */
  clusterRole: "management-app-applier",
  /** Bound by the applier, in each job namespace, to itself. */
  jobClusterRole: "management-app-applier-job",
  /** The RoleBinding (in each job namespace) that binds `jobClusterRole` to the applier. */
  jobBinding: "management-app-applier",
  /**
   * Keeps that RoleBinding while the namespace terminates, so the applier can still clear what
   * holds the namespace up (finalizers, long grace periods); the applier removes it last.
   */
  bindingFinalizer: "platform.example.dev/applier-access",
} as const;

/** The built-in ClusterRoles a job's RoleBinding may name (admission refuses any other). */
export const BINDABLE_CLUSTER_ROLES: readonly string[] = ["view"];

/** The kinds admission lets a job create (apps/shared/admission/allowed-kinds.ts; a test keeps them equal). */
export const ADMITTED_KINDS: readonly { apiVersion: string; kind: string; resource: string }[] = [
  { apiVersion: "v1", kind: "ConfigMap", resource: "configmaps" },
  { apiVersion: "v1", kind: "Secret", resource: "secrets" },
  { apiVersion: "v1", kind: "Service", resource: "services" },
  { apiVersion: "v1", kind: "ServiceAccount", resource: "serviceaccounts" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim", resource: "persistentvolumeclaims" },
  { apiVersion: "v1", kind: "Pod", resource: "pods" },
  { apiVersion: "apps/v1", kind: "Deployment", resource: "deployments" },
  { apiVersion: "apps/v1", kind: "StatefulSet", resource: "statefulsets" },
  { apiVersion: "apps/v1", kind: "ReplicaSet", resource: "replicasets" },
  { apiVersion: "batch/v1", kind: "Job", resource: "jobs" },
  { apiVersion: "batch/v1", kind: "CronJob", resource: "cronjobs" },
  { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", resource: "horizontalpodautoscalers" },
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget", resource: "poddisruptionbudgets" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", resource: "networkpolicies" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", resource: "roles" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", resource: "rolebindings" },
];
const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");
const ADMITTED_RESOURCES: Readonly<Record<string, readonly string[]>> = ADMITTED_KINDS.reduce<Record<string, string[]>>((acc, k) => {
  (acc[groupOf(k.apiVersion)] ??= []).push(k.resource);
  return acc;
}, {});
/** The fence kinds only the applier creates (see isolation/namespace-objects). */
const FENCE_RESOURCES: Readonly<Record<string, readonly string[]>> = { "": ["resourcequotas", "limitranges"], "networking.k8s.io": ["networkpolicies"], "kueue.x-k8s.io": ["localqueues"] };
/** Kinds whose objects a job's own Roles may hand out write access to (never RBAC or the fence). */
const WORKLOAD_GROUPS = ["", "apps", "batch", "autoscaling", "policy"];

const each = (resources: Readonly<Record<string, readonly string[]>>) =>
  Object.entries(resources).flatMap(([apiGroup, list]) => list.map((resource) => ({ apiGroup, resource })));

const grants = (): Grant[] => {
  const out: Grant[] = [];
  const add = (scope: Grant["scope"], use: Grant["use"], targets: { apiGroup: string; resource: string; resourceName?: string }[], verbs: string[]) => {
    for (const t of targets) for (const verb of verbs) if (!out.some((g) => g.scope === scope && g.apiGroup === t.apiGroup && g.resource === t.resource && g.verb === verb && g.resourceName === t.resourceName)) out.push({ ...t, verb, scope, use });
  };
  // Cluster-wide. Server-side apply that creates needs `patch` and `create` (kubernetes/apiserver
  // @v0.36.3 pkg/endpoints/handlers/patch.go, createAuthorizerAttributes).
  add("cluster", "applier", [{ apiGroup: "", resource: "namespaces" }], ["create", "patch", "get", "delete"]);
  add("cluster", "applier", [{ apiGroup: "rbac.authorization.k8s.io", resource: "rolebindings", resourceName: APPLIER_ACCESS.jobBinding }], ["create", "patch"]);
  add("cluster", "applier", [{ apiGroup: "rbac.authorization.k8s.io", resource: "clusterroles", resourceName: APPLIER_ACCESS.jobClusterRole }], ["bind"]);
  // The workload watcher: list + watch across namespaces, by the job-id label.
  add("cluster", "applier", [{ apiGroup: "", resource: "pods" }, { apiGroup: "batch", resource: "jobs" }, { apiGroup: "apps", resource: "deployments" }], ["list", "watch"]);
  // Kueue's Workloads (why a job waits) and, from its visibility API, positions in the queues.
  add("cluster", "applier", [{ apiGroup: "kueue.x-k8s.io", resource: "workloads" }], ["list", "watch"]);
  add("cluster", "applier", [{ apiGroup: "visibility.kueue.x-k8s.io", resource: "clusterqueues/pendingworkloads" }], ["get"]);
  const CLUSTER_LISTED = ["pods", "jobs", "deployments"];

  // In job namespaces: apply the job and its fence; on rollback, find and clear what holds the
  // namespace up (list, patch finalizers away, delete pods with a shorter grace period).
  add("job-namespace", "applier", [...each(FENCE_RESOURCES), ...each(ADMITTED_RESOURCES)], ["create", "patch"]);
  // (pods, jobs and deployments are listed through the cluster-wide grant above)
  add("job-namespace", "applier", each(ADMITTED_RESOURCES).filter((t) => !CLUSTER_LISTED.includes(t.resource)), ["list"]);
  add("job-namespace", "applier", [{ apiGroup: "", resource: "pods" }], ["delete"]);
  // Kueue's finalizer on its Workloads, which nobody removes while Kueue is down or gone
  // (apps/cluster-applier/targets/teardown.ts); listed through the cluster-wide grant above.
  add("job-namespace", "applier", [{ apiGroup: "kueue.x-k8s.io", resource: "workloads" }], ["patch"]);
  // Saving a job's container logs before its pods go (apps/cluster-applier/logs).
  add("job-namespace", "applier", [{ apiGroup: "", resource: "pods/log" }], ["get"]);
  // Jobs may bind these built-in ClusterRoles in their namespace; the applier holds none of
  // their rules, so it needs `bind` on them (pkg/registry/rbac/escalation_check.go).
  add("job-namespace", "applier", BINDABLE_CLUSTER_ROLES.map((resourceName) => ({ apiGroup: "rbac.authorization.k8s.io", resource: "clusterroles", resourceName })), ["bind"]);
  add("job-namespace", "delegable", each(ADMITTED_RESOURCES), ["get", "watch"]);
  add("job-namespace", "delegable", each(ADMITTED_RESOURCES).filter((t) => WORKLOAD_GROUPS.includes(t.apiGroup)), ["update", "delete"]);
  return out;
};

export const APPLIER_GRANTS: readonly Grant[] = grants();

/**
 * Everything the applier holds in a job namespace, whichever binding grants it: what
 * kube-apiserver compares a job's Role against (rule.go RulesFor visits both).
 */
export const applierRulesInJobNamespace = (): PolicyRule[] => [...applierRules("cluster"), ...applierRules("job-namespace")];

/** The grants of one scope as compact RBAC rules (one per group, resource name and verb set). */
export const applierRules = (scope: Grant["scope"]): PolicyRule[] => {
  const byTarget = new Map<string, { apiGroup: string; resource: string; resourceName?: string; verbs: string[] }>();
  for (const g of APPLIER_GRANTS.filter((x) => x.scope === scope)) {
    const k = `${g.apiGroup}|${g.resource}|${g.resourceName ?? ""}`;
    const t = byTarget.get(k) ?? { apiGroup: g.apiGroup, resource: g.resource, resourceName: g.resourceName, verbs: [] };
    t.verbs.push(g.verb);
    byTarget.set(k, t);
  }
  const rules = new Map<string, PolicyRule>();
  for (const t of byTarget.values()) {
    const verbs = [...t.verbs].sort();
    const k = `${t.apiGroup}|${t.resourceName ?? ""}|${verbs.join(",")}`;
    const rule = rules.get(k) ?? { apiGroups: [t.apiGroup], resources: [], verbs, ...(t.resourceName ? { resourceNames: [t.resourceName] } : {}) };
    rule.resources.push(t.resource);
    rules.set(k, rule);
  }
  return [...rules.values()];
};

/**
 * The public API (the entrypoint) serves a job's live logs through the API server:
 * it lists the job's pods by label and reads `pods/log`, in the job's namespace only. The rules
 * are a ClusterRole, bound by no ClusterRoleBinding: the applier binds it to the reader
 * identities (LOG_READER_USERS) by a RoleBinding in each job namespace it creates, so the
 * readers see job pods and nothing else (not kube-system, not GKE's own pods). The binding goes
 * with the namespace.
 *
 * The applier needs no extra grant to create that RoleBinding: kube-apiserver lets it bind a
 * role whose every permission it holds in that namespace
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#restrictions-on-role-binding-creation-or-update),
 * and in a job namespace it holds pods get (delegable), list (cluster-wide, for its watcher)
 * and pods/log get (saving logs). A test keeps these rules covered by the applier's grants.
 * Jobs may not bind this role (it is not in BINDABLE_CLUSTER_ROLES).
 */
export const LOG_READER_ACCESS = {
  clusterRole: "management-app-log-reader",
  /** The RoleBinding (in each job namespace) that binds `clusterRole` to the reader identities. */
  jobBinding: "management-app-log-reader",
  rules: [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
  ] satisfies PolicyRule[],
} as const;
