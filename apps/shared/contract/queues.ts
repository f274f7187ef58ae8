import { z } from "zod";

/**
 * What the program (infra/platform-services/kueue.ts) and the applier agree on about Kueue's
 * queues: the names of the objects, the labels, the resource names. Kueue's own API is
 * kueue.x-k8s.io v1beta2 at kubernetes-sigs/kueue@v0.19.2 (apis/kueue/v1beta2).
 */

/** Kueue's API group and the version the platform writes (the CRDs' storage version at v0.19.2). */
export const KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2";
/** Every label and annotation Kueue reads or writes starts with this; jobs may not set them. */
export const KUEUE_PREFIX = "kueue.x-k8s.io/";
/**
 * The finalizers Kueue puts on what it manages in a job namespace, and removes itself while it
 * runs: `workload` on every Workload it creates for a queued Job or pod group
 * (kubernetes-sigs/kueue@v0.19.2:apis/kueue/v1beta2/constants.go:20 ResourceInUseFinalizerName,
 * set in pkg/controller/jobframework/utils.go:273 NewWorkload); `pod` on each plain pod its pod
 * integration queues (pkg/controller/jobs/pod/constants/constants.go:22 PodFinalizer =
 * pkg/constants/constants.go:52 ManagedByKueueLabelKey, added in
 * pkg/controller/jobs/pod/pod_webhook.go:173). With Kueue down or gone, nobody removes them.
 */
export const KUEUE_FINALIZERS = { workload: "kueue.x-k8s.io/resource-in-use", pod: "kueue.x-k8s.io/managed" } as const;
/**
 * The label that sends a workload to a LocalQueue of its namespace
 * (kubernetes-sigs/kueue@v0.19.2:pkg/controller/constants/constants.go, QueueLabel).
 */
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";
/**
 * The one LocalQueue the applier creates in every job namespace. Kueue's webhooks also send a
 * workload without a queue label to the namespace's LocalQueue of this name
 * (kubernetes-sigs/kueue@v0.19.2:pkg/controller/constants/constants.go DefaultLocalQueueName;
 * pkg/controller/jobframework/base_webhook.go, ApplyDefaultLocalQueueWithManagedJobsNamespaceSelector),
 * so an object our labelling missed is still queued, not run around the quota.
 */
export const LOCAL_QUEUE_NAME = "default";
/**
 * How often the applier asks Kueue's visibility API again where the jobs still Queued stand:
 * one GET per ClusterQueue that has such jobs (GET /apis/visibility.kueue.x-k8s.io/v1beta2/
 * clusterqueues/<name>/pendingworkloads, kubernetes-sigs/kueue@v0.19.2:
 * pkg/visibility/storage/storage.go and pending_workloads_cq.go), none while nothing is queued.
 * A Queued job's position is at most this old (plus the request), even when its own Workload
 * does not change while the jobs ahead of it are admitted or go.
 */
export const QUEUE_POSITION_REFRESH_MS = 30_000;
/** The cohort every tenant's ClusterQueue belongs to: what one tenant leaves idle, another may borrow. */
export const TENANT_COHORT = "tenants";
/** A tenant's ClusterQueue. Tenant names are DNS labels (checked in the stack config), so this is one too. */
export const clusterQueueFor = (tenant: string): string => `tenant-${tenant}`;
/** The extended resource GKE's GPU device plugin advertises on GPU nodes. */
export const GPU_RESOURCE = "nvidia.com/gpu";
/** The node label GKE sets on GPU nodes: the accelerator type (e.g. nvidia-l4). */
export const GKE_ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator";
/**
 * The taint GKE puts on every GPU node (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus,
 * "GKE automatically adds taints … nvidia.com/gpu=present:NoSchedule").
 */
export const GPU_TAINT = { key: GPU_RESOURCE, value: "present", effect: "NoSchedule" } as const;
/** Our node label naming the pool a node belongs to; each Kueue ResourceFlavor selects on it. */
export const POOL_LABEL = "platform.example.dev/pool";
/** The pools of the deployments cluster, as named in POOL_LABEL and in the ResourceFlavors. */
export const POOLS = { system: "system", cpu: "cpu-spot", gpu: "gpu-spot" } as const;
/** The taint of the CPU job pool: the cluster's own pods stay off it, so it can reach zero nodes. */
export const JOB_POOL_TAINT = { key: POOL_LABEL, value: POOLS.cpu, effect: "NoSchedule" } as const;

/**
 * The read API's rights on the deployments cluster for GET /queues: the ClusterQueues (the
 * caller's, and its cohort's, for what could be borrowed). Bound cluster-wide to the read API's
 * identities by infra/platform-services/kueue.ts; ClusterQueues hold quotas, not job data.
 */
export const QUEUE_READER_ACCESS = {
  clusterRole: "management-app-queue-reader",
  rules: [{ apiGroups: ["kueue.x-k8s.io"], resources: ["clusterqueues"], verbs: ["get", "list"] }],
} as const;

/**
 * What the stack's Kueue queues can ever admit, for admission to refuse at submit what would
 * wait forever: the GPU on offer (none: CPU only), each tenant's nominal quota, and the cohort's
 * total (no borrowing or lending limits are set, so a tenant may at most borrow all of it).
 * infra/ computes it from the stack config (QUEUE_CAPACITY); CPU in cores, memory in GiB.
 */
export const QueueCapacity = z.object({
  gpu: z.object({ accelerator: z.string(), gpusPerNode: z.number().int().positive() }).nullable(),
  cohort: z.object({ cpu: z.number(), memoryGiB: z.number(), gpus: z.number() }),
  tenants: z.record(z.string(), z.object({ cpu: z.number(), memoryGiB: z.number(), gpus: z.number() })),
});
export type QueueCapacity = z.infer<typeof QueueCapacity>;
