/* eslint-disable @typescript-eslint/no-explicit-any -- inputs of many resource types, read loosely */
import { CLUSTERS, DESTINATIONS, HUB_ENDPOINT_NAMES, HUB_ENDPOINTS, PORTS, SOURCES, type ClusterName, type Destination, type Source } from "../../../apps/shared/contract";
import { contains, formatCidr, parseCidr } from "../../network/cidr";
import type { CidrPlan } from "../../network/cidr-plan";
import type { PlannedResource } from "../offline-run";
import { firewallRules, loadBalancers, networkPolicies, type FirewallRule, type NetworkPolicyObject } from "./graph";

/**
 * Who can reach what, computed from a mocked run of the program: sources × destinations →
 * allowed or refused, and by which layer. Layers, in the order a packet meets them:
 * 1. the source pod's egress NetworkPolicies (Dataplane V2 enforces them; host-network sources
 *    and nodes are not selected by any);
 * 2. a route: same VPC, or a VPC peering in the graph (not transitive:
 *    https://cloud.google.com/vpc/docs/vpc-peering); a private control plane reaches only its own
 *    cluster's VPC; Google's front ends send only to the Gateway's backends;
 * 3. the destination VPC's firewall: the program's rules, GKE's own cluster rules and the
 *    `k8s-fw-*` rule of each LoadBalancer (GKE_RULES below), highest priority first, deny winning
 *    a tie, and an implied deny (https://cloud.google.com/firewall/docs/firewalls#default_firewall_rules);
 * 4. the destination pod's ingress NetworkPolicies;
 * 5. for a control plane's private endpoint: its authorized networks.
 * A model we write could pass its own contract by leaving a rule out: the golden cases in
 * test/infra/reachability.test.ts pin it to the cited documents.
 */

export interface Cell {
  allowed: boolean;
  /** Allowed: what lets it through. Refused: the layer that stops it. */
  by: string;
}
export type Matrix = Record<Source, Record<Destination, Cell>>;

/**
 * GKE's own firewall rules for every cluster, which the program does not create
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules, "Automatically
 * created firewall rules"), and the one the GCE cloud provider creates per LoadBalancer Service
 * (kubernetes/cloud-provider-gcp@v36.3.8:providers/gce/gce_loadbalancer_internal.go,
 * ensureInternalFirewalls: source `loadBalancerSourceRanges`, else 0.0.0.0/0 by
 * kubernetes/cloud-provider@v0.36.2:service/helpers/helper.go; destination the LB's address).
 */
export const gkeRules = (cluster: ClusterName, cidrs: CidrPlan, lbs: { name: string; ip: string; ports: number[]; sourceRanges: string[] }[]): FirewallRule[] => {
  const r = cidrs[cluster];
  const base = { network: `${cluster}-net`, direction: "INGRESS" as const, priority: 1000, action: "allow" as const, destinationRanges: [], targetServiceAccounts: [], targetTags: [`gke-${cluster}-node`] };
  return [
    { ...base, name: `gke-${cluster}-master`, sourceRanges: [r.controlPlane], rules: [{ protocol: "tcp", ports: ["443", "10250"] }] },
    { ...base, name: `gke-${cluster}-vms`, sourceRanges: [r.nodes], rules: [{ protocol: "tcp", ports: ["1-65535"] }, { protocol: "udp", ports: ["1-65535"] }, { protocol: "icmp" }] },
    { ...base, name: `gke-${cluster}-all`, sourceRanges: [r.pods], rules: [{ protocol: "all" }] },
    ...lbs.map((lb) => ({
      ...base,
      name: `k8s-fw-${lb.name}`,
      sourceRanges: lb.sourceRanges.length ? lb.sourceRanges : ["0.0.0.0/0"],
      destinationRanges: [`${lb.ip}/32`],
      rules: [{ protocol: "tcp", ports: lb.ports.map(String) }],
    })),
  ];
};

interface Pod {
  namespace: string;
  labels: Record<string, string>;
}
interface Endpoint {
  ip: string;
  /** The VPC it sits in; undefined: outside every VPC (the internet, Google's front ends). */
  vpc?: ClusterName;
  /** A pod (NetworkPolicies apply) or not (nodes, load balancers, control planes). */
  pod?: Pod;
}
interface Target extends Endpoint {
  port: number;
  kind: "lb" | "node" | "pod" | "control-plane";
}

const ip = (cidr: string, offset: number) => formatCidr({ base: parseCidr(cidr).base + offset, prefix: 32 }).replace(/\/32$/, "");
const inRange = (addr: string, range: string) => contains(parseCidr(range), parseCidr(`${addr}/32`));

const portMatches = (rules: FirewallRule["rules"], port: number) =>
  rules.some((r) => {
    if (r.protocol === "all") return true;
    if (r.protocol !== "tcp") return false;
    if (!r.ports) return true;
    return r.ports.some((p) => {
      const [lo, hi] = p.split("-").map(Number);
      return port >= lo! && port <= (hi ?? lo!);
    });
  });

type Selector = { matchLabels?: Record<string, string> } | undefined;
const selects = (sel: Selector, labels: Record<string, string>) => Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
const nsLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });

/** Whether a NetworkPolicy peer (`from`/`to` entry) matches an endpoint. */
const peerMatches = (peer: Record<string, any>, at: string, e: Endpoint): boolean => {
  if (peer.ipBlock) return inRange(e.ip, peer.ipBlock.cidr) && !((peer.ipBlock.except ?? []) as string[]).some((x) => inRange(e.ip, x));
  if (!e.pod) return false;
  if (peer.namespaceSelector) return selects(peer.namespaceSelector, nsLabels(e.pod.namespace)) && (!peer.podSelector || selects(peer.podSelector, e.pod.labels));
  return e.pod.namespace === at && selects(peer.podSelector, e.pod.labels);
};

/**
 * NetworkPolicy semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * a pod no policy of that direction selects is unrestricted; otherwise a connection passes if any
 * rule of any selecting policy admits the peer and port.
 */
const policyAllows = (policies: NetworkPolicyObject[], pod: Pod, direction: "Ingress" | "Egress", peer: Endpoint, port: number): { allowed: boolean; by: string } => {
  const key = direction === "Ingress" ? "ingress" : "egress";
  const field = direction === "Ingress" ? "from" : "to";
  const selecting = policies.filter((p) => p.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels) && ((p.spec.policyTypes as string[] | undefined) ?? ["Ingress"]).includes(direction));
  if (selecting.length === 0) return { allowed: true, by: "" };
  for (const p of selecting) {
    for (const rule of (p.spec[key] ?? []) as Record<string, any>[]) {
      const peers = (rule[field] ?? []) as Record<string, any>[];
      const ports = (rule.ports ?? []) as { port?: number }[];
      if ((peers.length === 0 || peers.some((x) => peerMatches(x, p.namespace, peer))) && (ports.length === 0 || ports.some((x) => x.port === undefined || x.port === port))) {
        return { allowed: true, by: `NetworkPolicy ${p.namespace}/${p.declaredBy}` };
      }
    }
  }
  return { allowed: false, by: `${direction.toLowerCase()} NetworkPolicy (${selecting.map((p) => p.declaredBy).join(", ")})` };
};

export interface ReachabilityInput {
  resources: PlannedResource[];
  cidrs: CidrPlan;
  /** The hub's reserved addresses by service (the stack's `hubAddresses` output). */
  hubAddresses: Record<string, string>;
  /** The NetworkPolicies every job namespace gets (the applier's fence), namespace left as given. */
  jobFence: { name: string; namespace: string; spec: Record<string, unknown> }[];
  /** Namespace and labels of the management app's entrypoint pods, and KEDA's metrics server. */
  entrypoint: Pod;
}

export const computeReachability = (input: ReachabilityInput): Matrix => {
  const { cidrs, resources } = input;
  const rules = firewallRules(resources);
  const lbs = loadBalancers(resources);
  const policies: NetworkPolicyObject[] = [
    ...networkPolicies(resources),
    ...input.jobFence.map((p) => ({ declaredBy: `job fence ${p.name}`, cluster: "deployments", namespace: p.namespace, spec: p.spec as Record<string, any> })),
  ];
  const peerings = resources
    .filter((r) => r.type === "gcp:compute/networkPeering:NetworkPeering")
    .map((r) => [r.inputs.network, r.inputs.peerNetwork].map((n) => String(n).split("/").pop()!.replace(/-net$/, "")));
  const peered = (a: string, b: string) => peerings.some(([x, y]) => x === a && y === b) && peerings.some(([x, y]) => x === b && y === a);
  const nodeAccount = (c: string) => {
    const pool = resources.find((r) => r.type === "gcp:container/nodePool:NodePool" && r.name === `${c}-pool`);
    return (pool?.inputs as any)?.nodeConfig?.serviceAccount as string | undefined;
  };
  const authorized = (c: string): string[] => {
    const cluster = resources.find((r) => r.type === "gcp:container/cluster:Cluster" && r.name === `${c}-gke`);
    return (((cluster?.inputs as any)?.masterAuthorizedNetworksConfig?.cidrBlocks ?? []) as { cidrBlock: string }[]).map((b) => b.cidrBlock);
  };
  const gatewayBackends = new Set(
    resources.filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").flatMap((r) => ((r.inputs as any).spec.rules as any[]).flatMap((x) => x.backendRefs.map((b: any) => b.name))),
  );

  const jobNamespace = input.jobFence[0]?.namespace ?? "job";
  const sources: Record<Source, Endpoint & { controlPlaneOf?: ClusterName }> = {
    internet: { ip: "203.0.113.10" },
    "google:frontends": { ip: "35.191.0.10" },
    "management:nodes": { ip: ip(cidrs.management.nodes, 2), vpc: "management" },
    "management:pods": { ip: ip(cidrs.management.pods, 10), vpc: "management", pod: { namespace: "keda", labels: { app: "keda-operator" } } },
    "management:monitoring": { ip: ip(cidrs.management.pods, 11), vpc: "management", pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus-agent" } } },
    "management:control-plane": { ip: ip(cidrs.management.controlPlane, 2), vpc: "management", controlPlaneOf: "management" },
    "resources:nodes": { ip: ip(cidrs.resources.nodes, 2), vpc: "resources" },
    "resources:pods": { ip: ip(cidrs.resources.pods, 10), vpc: "resources", pod: { namespace: "logging", labels: { "app.kubernetes.io/name": "fluent-bit" } } },
    "resources:control-plane": { ip: ip(cidrs.resources.controlPlane, 2), vpc: "resources", controlPlaneOf: "resources" },
    "deployments:nodes": { ip: ip(cidrs.deployments.nodes, 2), vpc: "deployments" },
    "deployments:pods": { ip: ip(cidrs.deployments.pods, 10), vpc: "deployments", pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus-agent" } } },
    "deployments:jobs": { ip: ip(cidrs.deployments.pods, 12), vpc: "deployments", pod: { namespace: jobNamespace, labels: { app: "user-job" } } },
    "deployments:control-plane": { ip: ip(cidrs.deployments.controlPlane, 2), vpc: "deployments", controlPlaneOf: "deployments" },
  };
  const targets = {} as Record<Destination, Target>;
  for (const s of HUB_ENDPOINT_NAMES) targets[`hub:${s}`] = { ip: input.hubAddresses[s] ?? "0.0.0.0", vpc: "resources", port: HUB_ENDPOINTS[s].port, kind: "lb" };
  for (const c of CLUSTERS) {
    targets[`${c}:kubelet`] = { ip: ip(cidrs[c].nodes, 3), vpc: c, port: 10250, kind: "node" };
    targets[`${c}:control-plane-endpoint`] = { ip: ip(cidrs[c].controlPlane, 2), vpc: c, port: 443, kind: "control-plane" };
  }
  // kedacore/charts@v2.18.1:keda/values.yaml service.portHttpsTarget.
  targets["management:keda-metrics"] = { ip: ip(cidrs.management.pods, 20), vpc: "management", port: 6443, kind: "pod", pod: { namespace: "keda", labels: { app: "keda-operator-metrics-apiserver" } } };
  targets["management:entrypoint"] = { ip: ip(cidrs.management.pods, 21), vpc: "management", port: PORTS.app, kind: "pod", pod: input.entrypoint };

  const firewallVerdict = (src: Endpoint, dst: Target): Cell => {
    const vpc = dst.vpc!;
    const lbRules = lbs.filter((l) => l.cluster === vpc).map((l) => ({ name: l.declaredBy, ip: l.addressName ? (input.hubAddresses[l.addressName.replace(/^hub-/, "")] ?? "") : "", ports: l.ports, sourceRanges: l.sourceRanges }));
    const all = [...rules.filter((r) => r.network === `${vpc}-net` && r.direction === "INGRESS"), ...gkeRules(vpc, cidrs, lbRules.filter((l) => l.ip))];
    const onNode = dst.kind !== "control-plane";
    const matching = all.filter(
      (r) =>
        r.sourceRanges.some((s) => inRange(src.ip, s)) &&
        (r.destinationRanges.length === 0 || r.destinationRanges.some((d) => inRange(dst.ip, d))) &&
        (r.targetServiceAccounts.length === 0 || (onNode && r.targetServiceAccounts.includes(nodeAccount(vpc) ?? ""))) &&
        portMatches(r.rules, dst.port),
    );
    if (matching.length === 0) return { allowed: false, by: `VPC firewall of ${vpc} (implied deny: no rule admits it)` };
    const top = Math.min(...matching.map((r) => r.priority));
    const atTop = matching.filter((r) => r.priority === top);
    const deny = atTop.find((r) => r.action === "deny");
    if (deny) return { allowed: false, by: `VPC firewall ${deny.name}` };
    return { allowed: true, by: `firewall ${atTop.map((r) => r.name).join(" | ")}` };
  };

  const verdict = (sName: Source, dName: Destination): Cell => {
    const src = sources[sName];
    const dst = targets[dName];
    const layers: string[] = [];
    // 1. Egress policies of the source pod.
    if (src.pod && src.vpc) {
      const clusterPolicies = policies.filter((p) => p.cluster === src.vpc);
      const e = policyAllows(clusterPolicies, src.pod, "Egress", dst, dst.port);
      if (!e.allowed) return { allowed: false, by: e.by };
      if (e.by) layers.push(e.by);
    }
    // 2. A route.
    if (sName === "google:frontends") {
      const isBackend = dName === "management:entrypoint" && gatewayBackends.size > 0;
      if (!isBackend) return { allowed: false, by: "no route (Google's front ends reach only the Gateway's backends)" };
    } else if (!src.vpc) {
      return { allowed: false, by: "no route (private addresses only)" };
    } else if (src.controlPlaneOf) {
      if (dst.vpc !== src.controlPlaneOf || dst.kind === "control-plane") return { allowed: false, by: "no route (a control plane reaches only its cluster's VPC; peering is not transitive)" };
    } else if (dst.vpc !== src.vpc && !peered(src.vpc, dst.vpc!)) {
      return { allowed: false, by: `no route (${src.vpc} and ${dst.vpc} are not peered)` };
    } else if (dst.kind === "control-plane" && dst.vpc !== src.vpc) {
      return { allowed: false, by: "no route (a control plane is peered with its own VPC only)" };
    }
    // 5. A control plane's private endpoint: authorized networks, and the cluster's own pods.
    if (dst.kind === "control-plane") {
      const nets = authorized(dst.vpc!);
      if (nets.some((n) => inRange(src.ip, n))) return { allowed: true, by: [...layers, "master authorized networks"].join("; ") };
      if (src.pod && inRange(src.ip, cidrs[dst.vpc!].pods)) return { allowed: true, by: [...layers, "in-cluster client (GKE private cluster)"].join("; ") };
      return { allowed: false, by: "master authorized networks" };
    }
    // 3. The destination VPC's firewall.
    const fw = firewallVerdict(src, dst);
    if (!fw.allowed) return fw;
    layers.push(fw.by);
    // 4. Ingress policies of the destination pod.
    if (dst.pod) {
      const i = policyAllows(policies.filter((p) => p.cluster === dst.vpc), dst.pod, "Ingress", src, dst.port);
      if (!i.allowed) return { allowed: false, by: i.by };
      if (i.by) layers.push(i.by);
    }
    return { allowed: true, by: layers.join("; ") };
  };

  return Object.fromEntries(SOURCES.map((s) => [s, Object.fromEntries(DESTINATIONS.map((d) => [d, verdict(s, d)]))])) as Matrix;
};

/** Where the computed matrix and the contract's intended one disagree, one line each. */
export const differences = (m: Matrix, intended: Readonly<Record<Source, readonly Destination[]>>): string[] =>
  SOURCES.flatMap((s) =>
    DESTINATIONS.flatMap((d) => {
      const want = intended[s].includes(d);
      const got = m[s][d];
      return want === got.allowed ? [] : [`${s} → ${d}: ${got.allowed ? "open" : "closed"} (${got.by}), intended ${want ? "open" : "closed"}`];
    }),
  );

/** The matrix as a table a reviewer can read: ✔ open, · closed; then every open path and why. */
export const renderMatrix = (m: Matrix): string => {
  const width = Math.max(...SOURCES.map((s) => s.length));
  const lines = ["Reachability (computed from the program's graph; ✔ open, · closed)", ""];
  DESTINATIONS.forEach((d, i) => lines.push(`${" ".repeat(width + 2)}${"│ ".repeat(i)}┌ [${i + 1}] ${d}`));
  for (const s of SOURCES) lines.push(`${s.padEnd(width)}  ${DESTINATIONS.map((d) => (m[s][d].allowed ? "✔" : "·")).join(" ")}`);
  lines.push("", "Open paths and what lets them through:");
  for (const s of SOURCES) for (const d of DESTINATIONS) if (m[s][d].allowed) lines.push(`  ${s} → ${d}: ${m[s][d].by}`);
  lines.push("", "Closed paths from job pods and peers to the hub, and what stops them:");
  for (const s of ["deployments:jobs", "deployments:pods", "deployments:nodes", "management:nodes"] as Source[]) {
    for (const d of DESTINATIONS) if (!m[s][d].allowed && (d.startsWith("hub:") || d.endsWith("control-plane-endpoint"))) lines.push(`  ${s} → ${d}: ${m[s][d].by}`);
  }
  return lines.join("\n");
};
