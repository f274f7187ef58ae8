import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { VpcRanges } from "./cidr-plan";

/** Google's load-balancer and health-check probes come from these ranges. */
export const GOOGLE_HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];
/**
 * Ports the control plane calls on nodes and pods: kubelet, admission webhooks of operators,
 * KEDA's metrics API server (an aggregated API the control plane calls on the pod's 6443:
 * kedacore/charts@v2.18.1:keda/values.yaml `service.portHttpsTarget`; keda.sh "Operate → Cluster →
 * Firewall" lists 6443 as required on Google Cloud private clusters), and Kueue's visibility API
 * server on 8082 (an aggregated APIService served from the manager's pods;
 * kubernetes-sigs/kueue@v0.19.2:charts/kueue/templates/visibility/service.yaml targetPort).
 */
export const CONTROL_PLANE_PORTS = ["443", "6443", "8082", "8443", "9443", "10250", "15017"];

/**
 * One service of this VPC that peers may reach: only from `sourceRanges`, only to its load
 * balancer's address (`destinationRanges`), only on the VMs running as `targetServiceAccounts`
 * (the cluster's nodes). An internal passthrough load balancer delivers packets to the nodes with
 * the forwarding rule's address as destination, so the rule can name it
 * (https://cloud.google.com/load-balancing/docs/internal#firewall_rules; GKE's own `k8s-fw-*`
 * rule does the same: kubernetes/cloud-provider-gcp@v36.3.8:providers/gce/gce_loadbalancer_internal.go,
 * ensureInternalFirewall, DestinationRanges).
 */
export interface PeerIngress {
  /** Short name of the service, used in the rule's name. */
  service: string;
  sourceRanges: string[];
  tcpPorts: string[];
  destinationRanges: pulumi.Input<string>[];
  targetServiceAccounts: pulumi.Input<string>[];
}

export interface FirewallRulesArgs {
  network: gcp.compute.Network;
  ranges: VpcRanges;
  /** Traffic let in from peered VPCs, service by service. */
  peers?: PeerIngress[];
  /** Ranges refused outright, above every allow (defence in depth: peering is not transitive anyway). */
  deny?: { peer: string; sourceRanges: string[] }[];
}

/**
 * The only ingress a VPC accepts: its own nodes and pods, its control plane, Google's
 * health checks, and named ports from named peers. Nothing from 0.0.0.0/0.
 */
export class FirewallRules extends pulumi.ComponentResource {
  readonly rules: gcp.compute.Firewall[] = [];

  constructor(name: string, args: FirewallRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:network:FirewallRules", name, {}, opts);
    for (const p of args.peers ?? []) {
      if (p.sourceRanges.length === 0 || p.sourceRanges.some((r) => r.endsWith("/0"))) {
        throw new pulumi.ResourceError(`${p.service} would open ingress to the whole Internet (or to nothing); list its clients' ranges instead`, this);
      }
      if (p.targetServiceAccounts.length === 0) throw new pulumi.ResourceError(`${p.service}: name the nodes the rule applies to`, this);
    }
    const rule = (suffix: string, a: Omit<gcp.compute.FirewallArgs, "network" | "direction">) =>
      this.rules.push(new gcp.compute.Firewall(`${name}-${suffix}`, { network: args.network.id, direction: "INGRESS", ...a }, { parent: this }));

    rule("internal", {
      description: "Nodes and pods of this VPC talk to each other",
      sourceRanges: [args.ranges.nodes, args.ranges.pods],
      allows: [{ protocol: "tcp" }, { protocol: "udp" }, { protocol: "icmp" }],
      priority: 1000,
    });
    rule("control-plane", {
      description: "GKE control plane to kubelets and admission webhooks",
      sourceRanges: [args.ranges.controlPlane],
      allows: [{ protocol: "tcp", ports: CONTROL_PLANE_PORTS }],
      priority: 1000,
    });
    rule("health-checks", {
      description: "Google Cloud load-balancer health checks",
      sourceRanges: GOOGLE_HEALTH_CHECK_RANGES,
      allows: [{ protocol: "tcp" }],
      priority: 1000,
    });
    for (const p of args.peers ?? []) {
      rule(`to-${p.service}`, {
        description: `${p.service} from the peered VPCs that use it, at its load balancer's address only`,
        sourceRanges: p.sourceRanges,
        destinationRanges: p.destinationRanges,
        targetServiceAccounts: p.targetServiceAccounts,
        allows: [{ protocol: "tcp", ports: p.tcpPorts }],
        priority: 1000,
      });
    }
    for (const d of args.deny ?? []) {
      rule(`deny-${d.peer}`, {
        description: `Nothing from the ${d.peer} VPC, whatever routes may exist`,
        sourceRanges: d.sourceRanges,
        denies: [{ protocol: "all" }],
        priority: 100,
      });
    }
    this.registerOutputs({ ruleNames: this.rules.map((r) => r.name) });
  }
}
