import type { PlannedResource } from "./offline-run";

/** The inputs worth seeing per type in a plan; everything else is noise at this level. */
const KEY_INPUTS: Record<string, string[]> = {
  "gcp:compute/subnetwork:Subnetwork": ["region", "ipCidrRange", "secondaryIpRanges"],
  "gcp:compute/routerNat:RouterNat": ["sourceSubnetworkIpRangesToNat"],
  "gcp:compute/firewall:Firewall": ["sourceRanges", "allows", "denies", "priority"],
  "gcp:compute/networkPeering:NetworkPeering": ["network", "peerNetwork"],
  "gcp:container/cluster:Cluster": ["location", "releaseChannel", "deletionProtection", "privateClusterConfig", "datapathProvider"],
  "gcp:container/nodePool:NodePool": ["nodeLocations", "autoscaling", "nodeConfig.machineType", "nodeConfig.spot"],
  "gcp:projects/iAMMember:IAMMember": ["role"],
  "gcp:serviceaccount/account:Account": ["accountId"],
  "kubernetes:helm.sh/v3:Release": ["chart", "version", "namespace"],
  "kubernetes:helm.sh/v4:Chart": ["chart", "version", "namespace"],
  "kubernetes:apps/v1:Deployment": ["metadata.namespace", "spec.replicas"],
  "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster": ["spec.replicas"],
  "gcp:compute/address:Address": ["addressType"],
  "gcp:storage/bucket:Bucket": ["location", "publicAccessPrevention"],
};

const pick = (inputs: Record<string, unknown>, path: string): unknown =>
  path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), inputs);

const short = (v: unknown): string => {
  const s = typeof v === "string" ? v.replace(/^https:\/\/www\.googleapis\.com\/compute\/v1\/projects\/[^/]+\/global\/networks\//, "") : JSON.stringify(v);
  return s.length > 90 ? `${s.slice(0, 87)}...` : s;
};

/** `pulumi preview`-like tree: components with their children, key inputs indented below. */
export const renderTree = (resources: PlannedResource[]): string => {
  const byParent = new Map<string, PlannedResource[]>();
  for (const r of resources) byParent.set(r.parent, [...(byParent.get(r.parent) ?? []), r]);
  const urns = new Set(resources.map((r) => r.urn));
  const lines: string[] = [];
  const walk = (r: PlannedResource, indent: string) => {
    const deps = r.dependsOn.filter((d) => !d.endsWith(`::${r.name}`)).map((d) => d.split("::").pop());
    lines.push(`${indent}+ ${r.type}  ${r.name}${deps.length ? `  (after ${deps.join(", ")})` : ""}`);
    for (const key of KEY_INPUTS[r.type] ?? []) {
      const v = pick(r.inputs, key);
      if (v !== undefined) lines.push(`${indent}      ${key}: ${short(v)}`);
    }
    for (const child of byParent.get(r.urn) ?? []) walk(child, `${indent}    `);
  };
  for (const r of resources.filter((x) => !urns.has(x.parent))) walk(r, "");
  return lines.join("\n");
};
