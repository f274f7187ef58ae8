import { carve, formatCidr, overlaps, parseCidr, size, type Cidr } from "./cidr";

export const VPC_NAMES = ["management", "resources", "deployments"] as const;
export type VpcName = (typeof VPC_NAMES)[number];

/** The four ranges one VPC and its GKE cluster need. */
export interface VpcRanges {
  nodes: string;
  pods: string;
  services: string;
  /** The GKE control plane's private range (a /28, outside every other range). */
  controlPlane: string;
}
export type CidrPlan = Record<VpcName, VpcRanges>;

/** Sizes per VPC; each is a prefix length. */
export interface RangeSizes {
  nodes: number;
  pods: number;
  services: number;
}

/** GKE gives each node a /24 of pod addresses (110 pods per node). */
const POD_BLOCK_PER_NODE = 256;
/** GCP reserves four addresses in every subnet. */
const RESERVED_PER_SUBNET = 4;

/**
 * One base range split into three equal blocks, one per VPC, each carved into its node,
 * pod, service and control-plane ranges.
 */
export const planFromBase = (baseCidr: string, sizes: RangeSizes): CidrPlan => {
  const base = parseCidr(baseCidr);
  const blockPrefix = base.prefix + 2; // four blocks: three VPCs and one spare for growth
  const plan = {} as CidrPlan;
  VPC_NAMES.forEach((vpc, i) => {
    const block: Cidr = { base: base.base + i * size(blockPrefix), prefix: blockPrefix };
    const r = carve(block, { pods: sizes.pods, nodes: sizes.nodes, services: sizes.services, controlPlane: 28 });
    plan[vpc] = {
      nodes: formatCidr(r.nodes!),
      pods: formatCidr(r.pods!),
      services: formatCidr(r.services!),
      controlPlane: formatCidr(r.controlPlane!),
    };
  });
  return plan;
};

/**
 * Everything that can be wrong with a plan, each as a sentence that says what to change.
 * Peered ranges must not overlap (GCP refuses the peering), control-plane ranges must be
 * /28 and apart from everything, and ranges must hold the autoscaler's maximum.
 */
export const validatePlan = (plan: CidrPlan, maxNodes: Record<VpcName, number>): string[] => {
  const problems: string[] = [];
  const all: { label: string; cidr: Cidr }[] = [];
  for (const vpc of VPC_NAMES) {
    for (const [kind, text] of Object.entries(plan[vpc]) as [keyof VpcRanges, string][]) {
      try {
        all.push({ label: `${vpc}.${kind} (${text})`, cidr: parseCidr(text) });
      } catch (err) {
        problems.push(`${vpc}.${kind}: ${(err as Error).message}`);
      }
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (overlaps(all[i]!.cidr, all[j]!.cidr)) problems.push(`${all[i]!.label} overlaps ${all[j]!.label}: peered ranges must be disjoint`);
    }
  }
  for (const vpc of VPC_NAMES) {
    const get = (k: keyof VpcRanges) => all.find((a) => a.label.startsWith(`${vpc}.${k} `))?.cidr;
    const cp = get("controlPlane");
    if (cp && cp.prefix !== 28) problems.push(`${vpc}.controlPlane must be a /28 (GKE requires it), got /${cp.prefix}`);
    const nodes = get("nodes");
    const max = maxNodes[vpc];
    if (nodes && size(nodes.prefix) - RESERVED_PER_SUBNET < max) {
      problems.push(`${vpc}.nodes (/${nodes.prefix}) holds ${size(nodes.prefix) - RESERVED_PER_SUBNET} nodes but the autoscaler may reach ${max}: use a larger range`);
    }
    const pods = get("pods");
    if (pods && size(pods.prefix) < max * POD_BLOCK_PER_NODE) {
      problems.push(`${vpc}.pods (/${pods.prefix}) holds pods for ${size(pods.prefix) / POD_BLOCK_PER_NODE} nodes but the autoscaler may reach ${max}: use a larger range`);
    }
  }
  return problems;
};
