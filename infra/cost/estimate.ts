import { VPC_NAMES, type VpcName } from "../network/cidr-plan";
import type { PlannedResource } from "../plan/offline-run";
import { gkeAllocatable, machineShape } from "./machine-types";
import { GKE_SYSTEM, nodesNeeded } from "./node-count";
import { platformWorkloads, plain, type Values } from "./platform-workloads";
import { gpuNodePrice } from "./gpu-prices";
import { GLOBAL_PRICES as G, PRICES_AS_OF, diskPrice, familyRates, regionPrices, type Price } from "./prices";

export const HOURS_PER_MONTH = 730;

/** One item of the bill, per hour, with nothing running (floor) and at maximum size (ceiling). */
export interface CostLine {
  item: string;
  floorHour: number;
  ceilingHour: number;
}
export interface ClusterCost {
  cluster: VpcName;
  machineType: string;
  spot: boolean;
  nodes: { presetMin: number; presetMax: number; needed: number; floor: number; ceiling: number };
  lines: CostLine[];
}
export interface StackCost {
  stack: string;
  region: string;
  pricesAsOf: string;
  clusters: ClusterCost[];
  /** Billed per project, not per cluster: load balancer rules, DNS, the bucket, the free tier. */
  shared: CostLine[];
  total: { floorHour: number; ceilingHour: number };
  warnings: string[];
  /** The figures this estimate used that no source confirmed (`checked: false` in prices.ts). */
  uncheckedPrices: string[];
  assumptions: string[];
}

/**
 * The jobs bucket is empty at the floor (no jobs). At the ceiling we assume this many
 * submissions a day, each stored twice (as sent, and validated) at the entrypoint's 1 MiB body
 * limit, kept for the bucket's retention: an upper bound for steady heavy use, not a measure.
 */
export const BUCKET_CEILING = { jobsPerDay: 1000, mibPerJob: 2 };

const named = (resources: PlannedResource[], type: string) => resources.filter((r) => r.type === type).map((r) => ({ name: r.name, inputs: plain(r.inputs) }));
const sum = (lines: CostLine[]) => lines.reduce((t, l) => ({ floorHour: t.floorHour + l.floorHour, ceilingHour: t.ceilingHour + l.ceilingHour }), { floorHour: 0, ceilingHour: 0 });
const flat = (item: string, hour: number): CostLine => ({ item, floorHour: hour, ceilingHour: hour });
const fmtGiB = (n: number) => `${Number(n.toFixed(1))} GiB`;

/** Records each price a line is computed from, so the plan can name the figures no source confirmed. */
type Use = <P extends Price>(price: P) => P;
/** Forwarding rules are billed per project (and region, for regional ones): $X for the first 5, then per rule. */
const forwardingRulesHour = (use: Use, n: number, first5: Price, extra: Price) => (n === 0 ? 0 : use(first5).usd + (n > 5 ? (n - 5) * use(extra).usd : 0));
/** A NAT gateway is billed per VM it serves, up to a cap from 32 VMs on, plus its address. */
const natHour = (use: Use, vms: number) => (vms >= 32 ? use(G.natGatewayMaxHour).usd : vms * use(G.natVmHour).usd) + use(G.externalIpHour).usd;

/** What the planned stack costs, from the resources the program registers (offline run). */
export const estimateCost = (resources: PlannedResource[], stack: string): StackCost => {
  const nats = named(resources, "gcp:compute/routerNat:RouterNat");
  const region = String(nats[0]?.inputs.region ?? "");
  const rp = regionPrices(region);
  const workloads = platformWorkloads(resources);
  const pools = named(resources, "gcp:container/nodePool:NodePool");
  const gkeClusters = named(resources, "gcp:container/cluster:Cluster");
  const warnings: string[] = [];
  const used = new Set<Price>();
  /** Every price goes through here, so the plan can say which figures were not checked. */
  const use: Use = (price) => {
    used.add(price);
    return price;
  };
  let zonalClusters = 0;

  const clusters: ClusterCost[] = [];
  for (const v of VPC_NAMES) {
    const pool = pools.find((p) => p.name === `${v}-pool`)?.inputs;
    if (!pool) continue;
    const nc = pool.nodeConfig ?? {};
    const machineType = String(nc.machineType);
    const spot = nc.spot === true;
    const shape = machineShape(machineType);
    const node = familyRates(region, machineType, spot);
    use(node.vcpuHour);
    use(node.gibHour);
    const nodeHour = shape.vcpus * node.vcpuHour.usd + shape.memoryGiB * node.gibHour.usd;
    const presetMin = Number(pool.autoscaling?.totalMinNodeCount ?? 0);
    const presetMax = Number(pool.autoscaling?.totalMaxNodeCount ?? presetMin);
    const pods = workloads.pods.filter((p) => p.cluster === v);
    const count = nodesNeeded(pods, gkeAllocatable(shape));
    const floor = Math.max(presetMin, count.needed);
    const ceiling = Math.max(presetMax, floor);
    if (count.unschedulable.length) warnings.push(`${v}: ${count.unschedulable.join(", ")} request more than one ${machineType} node can give: use a larger machine type`);
    if (count.needed > presetMin && presetMin === 0) {
      warnings.push(`${v}: the pool's minimum is 0, but a cluster cannot run on zero nodes (GKE's system pods and the platform's agents need one): the floor counts ${count.needed} ${machineType} node${count.needed === 1 ? "" : "s"}`);
    } else if (count.needed > presetMin) {
      warnings.push(`${v}: the preset's minimum (${presetMin} node${presetMin === 1 ? "" : "s"}) is too small: the platform's pods request ${count.needed} ${machineType} node${count.needed === 1 ? "" : "s"}; the floor counts ${count.needed} (raise clusters.${v}.minNodes)`);
    }
    if (count.needed > presetMax) warnings.push(`${v}: even the maximum (${presetMax} nodes) cannot hold the platform's pods (${count.needed} needed)`);

    const location = String(gkeClusters.find((c) => c.name === `${v}-gke`)?.inputs.location ?? "");
    const zonal = /-[a-z]$/.test(location);
    if (zonal) zonalClusters++;
    const disk = use(diskPrice(region, String(nc.diskType ?? "pd-standard")));
    const diskGiB = Number(nc.diskSizeGb ?? 100);
    const volumes = workloads.volumes.filter((x) => x.cluster === v);
    const volumeGiB = volumes.reduce((t, x) => t + x.count * x.sizeGiB, 0);
    const pv = diskPrice(region, "pd-balanced");
    const lines: CostLine[] = [
      flat(`GKE management fee (${zonal ? "zonal" : "regional"})`, use(G.gkeClusterHour).usd),
      { item: `nodes: ${machineType} ${spot ? "spot" : "on-demand"} (${floor} floor, ${ceiling} ceiling)`, floorHour: floor * nodeHour, ceilingHour: ceiling * nodeHour },
      { item: `boot disks: ${diskGiB} GiB ${nc.diskType ?? "pd-standard"} per node`, floorHour: (floor * diskGiB * disk.usd) / HOURS_PER_MONTH, ceilingHour: (ceiling * diskGiB * disk.usd) / HOURS_PER_MONTH },
    ];
    if (volumeGiB > 0) lines.push(flat(`persistent volumes: ${fmtGiB(volumeGiB)} pd-balanced (${[...new Set(volumes.map((x) => x.claim.split(" ")[0]))].join(", ")})`, (volumeGiB * use(pv).usd) / HOURS_PER_MONTH));
    // Job pools (deployments): nothing at the floor, every node at the ceiling.
    let jobNodes = 0;
    for (const jp of pools.filter((p) => p.name.startsWith(`${v}-jobs-`))) {
      const jc = jp.inputs.nodeConfig ?? {};
      const jType = String(jc.machineType);
      const jSpot = jc.spot === true;
      const max = Number(jp.inputs.autoscaling?.totalMaxNodeCount ?? 0);
      const accel = (jc.guestAccelerators ?? [])[0] as { type?: string; count?: number } | undefined;
      let jHour: number;
      if (accel) jHour = use(gpuNodePrice(region, jType, jSpot)).usd;
      else {
        const r = familyRates(region, jType, jSpot);
        const sh = machineShape(jType);
        jHour = sh.vcpus * use(r.vcpuHour).usd + sh.memoryGiB * use(r.gibHour).usd;
      }
      const jDisk = use(diskPrice(region, String(jc.diskType ?? "pd-standard")));
      const jGiB = Number(jc.diskSizeGb ?? 100);
      const what = accel ? `${jType} + ${accel.count ?? 1}× ${accel.type}` : jType;
      lines.push({ item: `job pool ${jp.name.slice(`${v}-jobs-`.length)}: ${what} ${jSpot ? "spot" : "on-demand"} (0 floor, ${max} ceiling)`, floorHour: 0, ceilingHour: max * (jHour + (jGiB * jDisk.usd) / HOURS_PER_MONTH) });
      jobNodes += max;
    }
    if (nats.some((n) => n.name === `${v}-nat`)) lines.push({ item: "Cloud NAT gateway (per VM served) + its IP address", floorHour: natHour(use, floor), ceilingHour: natHour(use, ceiling + jobNodes) });
    clusters.push({ cluster: v, machineType, spot, nodes: { presetMin, presetMax, needed: count.needed, floor, ceiling }, lines });
  }

  const shared: CostLine[] = [];
  const regional = workloads.forwardingRules.filter((f) => f.scope === "regional");
  const global = workloads.forwardingRules.filter((f) => f.scope === "global");
  if (regional.length) shared.push(flat(`forwarding rules, internal load balancers (${regional.length}: ${regional.map((f) => f.name).join(", ")})`, forwardingRulesHour(use, regional.length, rp.forwardingRules.first5Hour, rp.forwardingRules.extraHour)));
  if (global.length) shared.push(flat(`forwarding rules, global (${global.length}: ${global.map((f) => f.name).join(", ")})`, forwardingRulesHour(use, global.length, G.forwardingRulesFirst5Hour, G.forwardingRuleExtraHour)));
  const zones = [...new Set(named(resources, "gcp:dns/recordSet:RecordSet").map((r) => String(r.inputs.managedZone)))];
  for (const z of zones) shared.push(flat(`Cloud DNS zone ${z} (used by the stack, created outside it)`, use(G.dnsZoneMonth).usd / HOURS_PER_MONTH));
  for (const b of named(resources, "gcp:storage/bucket:Bucket")) {
    const days = Number(b.inputs.lifecycleRules?.find((r: Values) => r.action?.type === "Delete")?.condition?.age ?? 30);
    const ceilingGiB = (BUCKET_CEILING.jobsPerDay * BUCKET_CEILING.mibPerJob * days) / 1024;
    shared.push({ item: `jobs bucket (${days}-day retention: empty, up to ${fmtGiB(ceilingGiB)})`, floorHour: 0, ceilingHour: (ceilingGiB * use(rp.gcsStandard).usd) / HOURS_PER_MONTH });
  }
  if (zonalClusters > 0) {
    const credit = -Math.min(use(G.gkeFreeTierMonth).usd / HOURS_PER_MONTH, G.gkeClusterHour.usd);
    shared.push(flat("GKE free tier (one zonal cluster's fee)", credit));
  }

  const total = sum([...clusters.flatMap((c) => c.lines), ...shared]);
  return {
    stack,
    region,
    pricesAsOf: PRICES_AS_OF,
    clusters,
    shared,
    total,
    warnings,
    uncheckedPrices: [...used].filter((p) => !p.checked).map((p) => `${p.unit} (${p.region}): $${p.usd}${p.note ? `, ${p.note}` : ""}`),
    assumptions: [
      `GKE system pods: ${GKE_SYSTEM.perNode.cpu} CPU / ${GKE_SYSTEM.perNode.memoryGiB} GiB per node and ${GKE_SYSTEM.perCluster.cpu} CPU / ${GKE_SYSTEM.perCluster.memoryGiB} GiB per cluster (${GKE_SYSTEM.note})`,
      "not counted: network egress, NAT data processing, Cloud Logging/Monitoring ingestion, DNS queries, Certificate Manager, job workloads above the floor (they are the ceiling's nodes)",
    ],
  };
};
