import {
  GPU_RESOURCE,
  GPU_TAINT,
  JOB_POOL_TAINT,
  JOB_ID_LABEL,
  KUEUE_API_VERSION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  POOL_LABEL,
  POOLS,
  TENANT_COHORT,
  TENANT_LABEL,
  clusterQueueFor,
  type QueueCapacity,
} from "../../apps/shared/contract";
import { quantity } from "../../apps/shared/admission/quantity";
import type { Tenant } from "../config/tenants";
import { GPU_MACHINES } from "../config/tenants";
import type { JobPools } from "../../stacks/presets";

/**
 * The Kueue objects of a stack, as plain objects (kueue.x-k8s.io/v1beta2 at
 * kubernetes-sigs/kueue@v0.19.2, apis/kueue/v1beta2): one ResourceFlavor per node pool and one
 * ClusterQueue per tenant, all in one cohort. Pure, so tests read them without a cluster.
 */

type Obj = Record<string, unknown>;

/** Kueue's manager configuration (config.kueue.x-k8s.io/v1beta2, apis/config/v1beta2/configuration_types.go). */
export const KUEUE_NAMESPACE = "kueue-system";
/** Namespaces of the deployments cluster that are the platform's or GKE's, never a job's. */
export const PLATFORM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default", KUEUE_NAMESPACE, "logging", "monitoring", "gke-managed-system", "gmp-system", "gmp-public"];

/**
 * Which namespaces Kueue manages. For the pod-based integrations (pod, deployment, statefulset)
 * this is a strong exemption, and the chart also makes it the namespaceSelector of the pod
 * webhook, whose failurePolicy is Fail once `pod` is enabled (charts/kueue/templates/webhook/
 * manifests.yaml): only job namespaces (the applier's label) match, and the platform's own never.
 */
export const MANAGED_JOBS_NAMESPACE_SELECTOR = {
  matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
  matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: PLATFORM_NAMESPACES }],
};

/** The ports the chart's Services and probes use; our configuration must keep them. */
export const KUEUE_PORTS = { health: 8081, metrics: 8443, webhook: 9443, visibility: 8082 } as const;

export const kueueManagerConfig = (): Obj => ({
  apiVersion: "config.kueue.x-k8s.io/v1beta2",
  kind: "Configuration",
  // As in the chart's default configuration: the probes, the metrics Service and the webhook
  // Service point at these ports (templates/manager/manager.yaml, webhook/service.yaml).
  health: { healthProbeBindAddress: `:${KUEUE_PORTS.health}` },
  metrics: { bindAddress: `:${KUEUE_PORTS.metrics}` },
  webhook: { port: KUEUE_PORTS.webhook },
  leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
  clientConnection: { qps: 300, burst: 500 },
  // Only labelled workloads are queued (the applier labels every job's), and only in job namespaces.
  manageJobsWithoutQueueName: false,
  managedJobsNamespaceSelector: MANAGED_JOBS_NAMESPACE_SELECTOR,
  // The job-id and tenant labels go onto Kueue's Workloads, so the applier's watcher finds them
  // (Integrations.labelKeysToCopy, apis/config/v1beta2/configuration_types.go).
  integrations: { frameworks: ["batch/job", "pod", "deployment", "statefulset"], labelKeysToCopy: [JOB_ID_LABEL, TENANT_LABEL] },
  // Fair sharing on: the documented strategies, in the documented order
  // (site/content/en/docs/concepts/preemption.md, "Fair Sharing").
  fairSharing: { preemptionStrategies: ["LessThanOrEqualToFinalShare", "LessThanInitialShare"] },
});

const taint = (t: { key: string; value: string; effect: string }) => ({ key: t.key, value: t.value, effect: t.effect });

/** One ResourceFlavor per pool: node labels the pool's nodes carry, taints they have. */
export const resourceFlavors = (pools: JobPools): Obj[] => {
  const flavor = (name: string, spec: Obj): Obj => ({ apiVersion: KUEUE_API_VERSION, kind: "ResourceFlavor", metadata: { name }, spec });
  const out = [
    // No ClusterQueue lists it: jobs never run beside the cluster's own pods. It names the pool
    // so that the capacity map (kubectl get resourceflavors) is complete.
    flavor(POOLS.system, { nodeLabels: { [POOL_LABEL]: POOLS.system } }),
    // Kueue adds the toleration to the pods it admits on this flavor (spec.tolerations).
    flavor(POOLS.cpu, {
      nodeLabels: { [POOL_LABEL]: POOLS.cpu },
      nodeTaints: [taint(JOB_POOL_TAINT)],
      tolerations: [{ key: JOB_POOL_TAINT.key, operator: "Equal", value: JOB_POOL_TAINT.value, effect: JOB_POOL_TAINT.effect }],
    }),
  ];
  // No tolerations here: only pods that tolerate GPU nodes (admission adds it to GPU jobs) fit.
  if (pools.gpu) out.push(flavor(POOLS.gpu, { nodeLabels: { [POOL_LABEL]: POOLS.gpu, "cloud.google.com/gke-accelerator": pools.gpu.accelerator }, nodeTaints: [taint(GPU_TAINT)] }));
  return out;
};

/** CPU and memory that come with each GPU of the pool's machine type (its share of the node). */
export const hostPerGpu = (pools: JobPools): { cpu: number; memoryGiB: number } | undefined => {
  const gpu = pools.gpu;
  const m = gpu && GPU_MACHINES[gpu.machineType];
  return m ? { cpu: m.vcpus / m.gpus, memoryGiB: m.memoryGiB / m.gpus } : undefined;
};

/**
 * A tenant's ClusterQueue. Its nominal quota is what it is guaranteed: CPU and memory on the CPU
 * pool, GPUs (with the CPU and memory that come with them) on the GPU pool. No borrowing or
 * lending limits: an idle tenant's quota may all be borrowed, and is reclaimed by preemption.
 */
export const clusterQueue = (tenant: Tenant, pools: JobPools): Obj => {
  const gpu = hostPerGpu(pools);
  const covered = gpu ? ["cpu", "memory", GPU_RESOURCE] : ["cpu", "memory"];
  const quotas = (cpu: string, memory: string, gpus: number) =>
    covered.map((name) => ({ name, nominalQuota: name === "cpu" ? cpu : name === "memory" ? memory : String(gpus) }));
  const flavors: { name: string; resources: { name: string; nominalQuota: string }[] }[] = [{ name: POOLS.cpu, resources: quotas(tenant.cpu, tenant.memory, 0) }];
  if (gpu) flavors.push({ name: POOLS.gpu, resources: quotas(String(tenant.gpus * gpu.cpu), `${tenant.gpus * gpu.memoryGiB}Gi`, tenant.gpus) });
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "ClusterQueue",
    metadata: { name: clusterQueueFor(tenant.name), labels: { [TENANT_LABEL]: tenant.name } },
    spec: {
      cohortName: TENANT_COHORT,
      // Only this tenant's job namespaces may send workloads here (the applier labels them).
      namespaceSelector: { matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [TENANT_LABEL]: tenant.name } },
      queueingStrategy: "BestEffortFIFO",
      resourceGroups: [{ coveredResources: covered, flavors }],
      // See docs/operator-guide.md#tenants-and-quotas for why these two.
      preemption: { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority" },
      fairSharing: { weight: String(tenant.weight) },
    },
  };
};

/** What the queues can ever admit, per tenant and for the whole cohort (QUEUE_CAPACITY for admission). */
export const queueCapacity = (tenants: Tenant[], pools: JobPools): QueueCapacity => {
  const host = hostPerGpu(pools);
  const of = (t: Tenant) => ({
    cpu: (quantity(t.cpu) ?? 0) + (host ? t.gpus * host.cpu : 0),
    memoryGiB: (quantity(t.memory) ?? 0) / 2 ** 30 + (host ? t.gpus * host.memoryGiB : 0),
    gpus: host ? t.gpus : 0,
  });
  const per = Object.fromEntries(tenants.map((t) => [t.name, of(t)]));
  const sum = (k: "cpu" | "memoryGiB" | "gpus") => Object.values(per).reduce((n, t) => n + t[k], 0);
  return {
    gpu: pools.gpu ? { accelerator: pools.gpu.accelerator, gpusPerNode: pools.gpu.gpusPerNode } : null,
    cohort: { cpu: sum("cpu"), memoryGiB: sum("memoryGiB"), gpus: sum("gpus") },
    tenants: per,
  };
};
