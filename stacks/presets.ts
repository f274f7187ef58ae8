import type { RangeSizes, VpcName } from "../infra/network/cidr-plan";

/** One GKE cluster's nodes. Node counts are totals across the cluster's zones. */
export interface ClusterSize {
  machineType: string;
  diskSizeGb: number;
  minNodes: number;
  maxNodes: number;
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
      // Scales to zero: user workloads cost nothing while no job runs.
      deployments: { machineType: "e2-standard-4", diskSizeGb: 100, minNodes: 0, maxNodes: 10 },
    },
    rangeSizes: { nodes: 22, pods: 16, services: 22 },
  },
  prod: {
    regional: true,
    deletionProtection: true,
    releaseChannel: "STABLE",
    spot: true,
    clusters: {
      management: { machineType: "e2-standard-4", diskSizeGb: 100, minNodes: 3, maxNodes: 9 },
      resources: { machineType: "n2-standard-8", diskSizeGb: 200, minNodes: 3, maxNodes: 12 },
      deployments: { machineType: "n2-standard-8", diskSizeGb: 200, minNodes: 0, maxNodes: 100 },
    },
    rangeSizes: { nodes: 20, pods: 14, services: 20 },
  },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
