/**
 * The fence's numbers as typed settings, read from the same env keys by the Cluster Applier
 * (which installs them as each job namespace's ResourceQuota and LimitRange) and by the YAML
 * Manager (which refuses at submit what they would refuse in the cluster).
 */
export interface IsolationSettings {
  quota: { cpu: string; memory: string; pods: number; storage: string; objects: number };
  container: { defaultCpu: string; defaultMemory: string; maxCpu: string; maxMemory: string };
  /** Egress allowed besides DNS and the job's own pods. */
  egress: { cidr: string; port: number }[];
}

export const isolationFromEnv = (env: {
  JOB_QUOTA_CPU: string;
  JOB_QUOTA_MEMORY: string;
  JOB_QUOTA_PODS: number;
  JOB_QUOTA_STORAGE: string;
  JOB_QUOTA_OBJECTS: number;
  JOB_DEFAULT_CPU: string;
  JOB_DEFAULT_MEMORY: string;
  JOB_MAX_CPU: string;
  JOB_MAX_MEMORY: string;
  JOB_EGRESS_ALLOW: { cidr: string; port: number }[];
}): IsolationSettings => ({
  quota: { cpu: env.JOB_QUOTA_CPU, memory: env.JOB_QUOTA_MEMORY, pods: env.JOB_QUOTA_PODS, storage: env.JOB_QUOTA_STORAGE, objects: env.JOB_QUOTA_OBJECTS },
  container: { defaultCpu: env.JOB_DEFAULT_CPU, defaultMemory: env.JOB_DEFAULT_MEMORY, maxCpu: env.JOB_MAX_CPU, maxMemory: env.JOB_MAX_MEMORY },
  egress: env.JOB_EGRESS_ALLOW,
});

/** The schema defaults, for tests and the local run. */
export const DEFAULT_ISOLATION: IsolationSettings = {
  quota: { cpu: "8", memory: "32Gi", pods: 50, storage: "100Gi", objects: 50 },
  container: { defaultCpu: "500m", defaultMemory: "512Mi", maxCpu: "4", maxMemory: "16Gi" },
  egress: [],
};

/**
 * Names of the fence objects the applier installs in every job namespace. Jobs may not use
 * them, and in the cluster only the applier may change them (the ValidatingAdmissionPolicy in
 * infra/management-app/job-fence-policy.ts).
 */
export const FENCE_NETWORK_POLICIES = ["default-deny", "allow-within-job", "allow-dns", "allow-platform"] as const;
export const FENCE_QUOTA = "job-quota";
export const FENCE_LIMIT_RANGE = "job-limits";

/**
 * Node disk a job may use (container writable layers, logs, disk-backed emptyDir), installed in
 * each job namespace's LimitRange (a default request and limit per container, and a maximum) and
 * ResourceQuota (the namespace's total). The kubelet evicts a pod past its limit
 * (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/), so one job
 * cannot fill a node's disk. Constants: the same for every stack.
 */
export const JOB_EPHEMERAL_STORAGE = { defaultRequest: "256Mi", defaultLimit: "2Gi", maxPerContainer: "20Gi", quota: "50Gi" } as const;

/**
 * Kinds a job may create, counted by the namespace's ResourceQuota (`count/<resource>.<group>`,
 * https://kubernetes.io/docs/concepts/policy/resource-quotas/#quota-on-object-count), each up to
 * JOB_QUOTA_OBJECTS, plus PLATFORM_OBJECT_HEADROOM for the kinds the platform also creates there
 * (the fence's NetworkPolicies, the default ServiceAccount, its own RoleBindings).
 */
export const QUOTA_COUNTED_KINDS: Readonly<Record<string, string>> = {
  Deployment: "count/deployments.apps",
  StatefulSet: "count/statefulsets.apps",
  ReplicaSet: "count/replicasets.apps",
  Job: "count/jobs.batch",
  CronJob: "count/cronjobs.batch",
  HorizontalPodAutoscaler: "count/horizontalpodautoscalers.autoscaling",
  PodDisruptionBudget: "count/poddisruptionbudgets.policy",
  NetworkPolicy: "count/networkpolicies.networking.k8s.io",
  Role: "count/roles.rbac.authorization.k8s.io",
  RoleBinding: "count/rolebindings.rbac.authorization.k8s.io",
  ServiceAccount: "count/serviceaccounts",
  ConfigMap: "configmaps",
  Secret: "secrets",
  Service: "services",
  PersistentVolumeClaim: "persistentvolumeclaims",
};
export const PLATFORM_OBJECT_HEADROOM: Readonly<Record<string, number>> = { NetworkPolicy: 5, ServiceAccount: 1, RoleBinding: 5, Role: 2, ConfigMap: 1 };
