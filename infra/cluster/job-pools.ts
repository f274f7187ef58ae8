import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { JOB_POOL_TAINT, POOL_LABEL, POOLS } from "../../apps/shared/contract";
import type { JobPools as JobPoolSizes } from "../../stacks/presets";
import { gpuZones } from "../config/tenants";
import type { GkeCluster } from "./gke-cluster";

export interface JobPoolsArgs {
  cluster: GkeCluster;
  /** The cluster's location (zone or region). */
  location: string;
  /** The zones the cluster's nodes may run in; the GPU pool keeps those that offer its GPU. */
  nodeZones: string[];
  pools: JobPoolSizes;
  spot: boolean;
  labels: Record<string, string>;
}

/** GKE's node-pool API spells taint effects in capitals (terraform-provider-google node_config `taint.effect`). */
const gkeEffect = (effect: string) => effect.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

/**
 * The deployments cluster's job pools: spot CPU and spot GPU nodes, both autoscaled from zero,
 * each labelled with its pool name (what its Kueue ResourceFlavor selects) and tainted, so that
 * only admitted jobs land there and the cluster's own pods stay on the system pool. GPU nodes
 * get GKE's own driver install and GKE's `nvidia.com/gpu=present:NoSchedule` taint
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus).
 */
export class JobPools extends pulumi.ComponentResource {
  readonly cpu: gcp.container.NodePool;
  readonly gpu?: gcp.container.NodePool;

  constructor(name: string, args: JobPoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cluster:JobPools", name, {}, opts);
    const base = args.cluster.nodeConfig;
    const pool = (suffix: string, size: { machineType: string; diskSizeGb: number; maxNodes: number }, zones: string[], extra: Partial<gcp.types.input.container.NodePoolNodeConfig>) =>
      new gcp.container.NodePool(
        `${name}-${suffix}`,
        {
          cluster: args.cluster.cluster.id,
          location: args.location,
          nodeLocations: zones,
          // From zero: a job pool costs nothing while no job runs. Totals, not per zone.
          autoscaling: { totalMinNodeCount: 0, totalMaxNodeCount: size.maxNodes, locationPolicy: "ANY" },
          management: { autoRepair: true, autoUpgrade: true },
          upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
          nodeConfig: { ...base, machineType: size.machineType, diskSizeGb: size.diskSizeGb, spot: args.spot, resourceLabels: { ...args.labels, pool: suffix }, ...extra },
        },
        { parent: this },
      );

    this.cpu = pool(POOLS.cpu, args.pools.cpu, args.nodeZones, {
      labels: { [POOL_LABEL]: POOLS.cpu },
      taints: [{ key: JOB_POOL_TAINT.key, value: JOB_POOL_TAINT.value, effect: gkeEffect(JOB_POOL_TAINT.effect) }],
    });
    const gpu = args.pools.gpu;
    if (gpu) {
      const zones = gpuZones(gpu, args.nodeZones);
      if (zones.length === 0) throw new pulumi.ResourceError(`${gpu.accelerator} is offered in none of ${args.nodeZones.join(", ")}`, this);
      this.gpu = pool(POOLS.gpu, gpu, zones, {
        labels: { [POOL_LABEL]: POOLS.gpu },
        guestAccelerators: [{ type: gpu.accelerator, count: gpu.gpusPerNode, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" } }],
      });
    }
    this.registerOutputs({});
  }
}
