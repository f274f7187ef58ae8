import type { RangeSizes, VpcName } from "../infra/network/cidr-plan";

/** One GKE cluster's nodes. Node counts are totals across the cluster's zones. */
export interface ClusterSize {
  machineType: string;
  diskSizeGb: number;
  minNodes: number;
  maxNodes: number;
}

/** A job node pool of the deployments cluster: spot, autoscaled from zero, tainted. */
export interface JobPoolSize {
  machineType: string;
  diskSizeGb: number;
  /** Total across the pool's zones; the minimum is always 0 (a job pool costs nothing idle). */
  maxNodes: number;
}

/** The GPU job pool: a G2 (or other accelerator-optimized) type and the GPU GKE attaches. */
export interface GpuPoolSize extends JobPoolSize {
  /** GKE's accelerator type, e.g. `nvidia-l4` (the value of the cloud.google.com/gke-accelerator label). */
  accelerator: string;
  /** GPUs per node, as the machine type comes with them (g2-standard-4: one L4). */
  gpusPerNode: number;
}

/**
 * The deployments cluster's job pools. Its `clusters.deployments` size is the small
 * always-on system pool (Kueue, agents, kube-system), so the job pools can really reach zero.
 */
export interface JobPools {
  cpu: JobPoolSize;
  /** None: the stack offers no GPU, and admission refuses GPU requests saying so. */
  gpu?: GpuPoolSize;
}

/** Everything that differs between a cheap dev stack and a production one. */
export interface Preset {
  /** Zonal clusters (one control plane zone, cheaper) or regional (HA control plane). */
  regional: boolean;
  /** Dev must be destroyable with `pulumi destroy`; prod must not be deleted by accident. */
  deletionProtection: boolean;
  releaseChannel: "RAPID" | "REGULAR" | "STABLE";
  /** Spot VMs: much cheaper, may be preempted; the platform tolerates it by design. */
  spot: boolean;
  clusters: Record<VpcName, ClusterSize>;
  rangeSizes: RangeSizes;
  jobPools: JobPools;
  /**
   * Destroy the stack after this long with nothing running, queued or finished (a duration such
   * as `6h`); undefined: never (docs/operator-guide.md#idle-destroy).
   */
  idleDestroyAfter?: string;
}

export const PRESETS = {
  dev: {
    regional: false,
    deletionProtection: false,
    releaseChannel: "REGULAR",
    spot: true,
    clusters: {
      management: { machineType: "e2-standard-2", diskSizeGb: 50, minNodes: 1, maxNodes: 3 },
      resources: { machineType: "e2-standard-4", diskSizeGb: 100, minNodes: 3, maxNodes: 6 },
      // The system pool: Kueue, agents, kube-system. Jobs run on the job pools below.
      deployments: { machineType: "e2-standard-2", diskSizeGb: 50, minNodes: 1, maxNodes: 2 },
    },
    rangeSizes: { nodes: 22, pods: 16, services: 22 },
    // Both scale from zero: user workloads cost nothing while no job runs.
    jobPools: {
      cpu: { machineType: "e2-standard-4", diskSizeGb: 100, maxNodes: 10 },
      gpu: { machineType: "g2-standard-4", diskSizeGb: 100, maxNodes: 2, accelerator: "nvidia-l4", gpusPerNode: 1 },
    },
    idleDestroyAfter: "6h",
  },
  prod: {
    regional: true,
    deletionProtection: true,
    releaseChannel: "STABLE",
    spot: true,
    clusters: {
      management: { machineType: "e2-standard-4", diskSizeGb: 100, minNodes: 3, maxNodes: 9 },
      resources: { machineType: "n2-standard-8", diskSizeGb: 200, minNodes: 3, maxNodes: 12 },
      deployments: { machineType: "e2-standard-4", diskSizeGb: 100, minNodes: 2, maxNodes: 4 },
    },
    rangeSizes: { nodes: 20, pods: 14, services: 20 },
    jobPools: {
      cpu: { machineType: "n2-standard-8", diskSizeGb: 200, maxNodes: 100 },
      gpu: { machineType: "g2-standard-8", diskSizeGb: 200, maxNodes: 8, accelerator: "nvidia-l4", gpusPerNode: 1 },
    },
  },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
