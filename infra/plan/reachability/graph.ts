import type { PlannedResource } from "../offline-run";

/**
 * What the reachability model reads from a mocked run of the program: firewall rules, the
 * internal load balancers the hub's Services become, and NetworkPolicies. Pure: it takes the
 * recorded resources (inputs with secrets unwrapped) and never imports the program.
 */
// Inputs of many resource types, read loosely and checked by the callers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

export interface FirewallRule {
  name: string;
  network: string;
  direction: "INGRESS" | "EGRESS";
  priority: number;
  action: "allow" | "deny";
  sourceRanges: string[];
  destinationRanges: string[];
  /** Empty: every instance of the network. */
  targetServiceAccounts: string[];
  targetTags: string[];
  /** "all" or tcp ports/ranges ("80", "1-65535"); `undefined` ports: every port of the protocol. */
  rules: { protocol: string; ports?: string[] }[];
}

export interface LoadBalancer {
  /** The resource that declares it (a Service, a custom resource, or a chart's values). */
  declaredBy: string;
  /** The cluster whose provider creates it. */
  cluster: string;
  /** The reserved address's resource name (`networking.gke.io/load-balancer-ip-addresses`), if any. */
  addressName?: string;
  internal: boolean;
  ports: number[];
  /** `spec.loadBalancerSourceRanges` as given; empty means GKE's default, 0.0.0.0/0. */
  sourceRanges: string[];
}

export interface NetworkPolicyObject {
  declaredBy: string;
  cluster: string;
  namespace: string;
  spec: Json;
}

const clusterOf = (r: PlannedResource): string => /::(\w+)-k8s::/.exec(r.provider)?.[1] ?? "";
const lastSegment = (s: unknown) => String(s ?? "").split("/").pop() ?? "";

export const firewallRules = (resources: PlannedResource[]): FirewallRule[] =>
  resources
    .filter((r) => r.type === "gcp:compute/firewall:Firewall")
    .map((r) => {
      const i = r.inputs as Json;
      const allows = (i.allows ?? []) as { protocol: string; ports?: string[] }[];
      const denies = (i.denies ?? []) as { protocol: string; ports?: string[] }[];
      return {
        name: r.name,
        network: lastSegment(i.network).replace(/-id$/, ""),
        direction: i.direction ?? "INGRESS",
        priority: i.priority ?? 1000,
        action: denies.length ? "deny" : "allow",
        sourceRanges: i.sourceRanges ?? [],
        destinationRanges: i.destinationRanges ?? [],
        targetServiceAccounts: i.targetServiceAccounts ?? [],
        targetTags: i.targetTags ?? [],
        rules: denies.length ? denies : allows,
      };
    });

/**
 * Ports of the RabbitMQ Cluster Operator's client Service: AMQP, the management API and
 * Prometheus metrics (rabbitmq/cluster-operator@v2.22.0:internal/resource/service.go, updatePorts;
 * without TLS or extra plugins). Our override replaces the AMQP port by the contract's.
 */
const RABBITMQ_CLIENT_PORTS = [15672, 15692];

const internalOf = (annotations: Json | undefined) => annotations?.["networking.gke.io/load-balancer-type"] === "Internal";
const addressOf = (annotations: Json | undefined): string | undefined => annotations?.["networking.gke.io/load-balancer-ip-addresses"];
const portsOf = (spec: Json | undefined): number[] => ((spec?.ports ?? []) as { port: number }[]).map((p) => p.port);

/** Every LoadBalancer the program asks Kubernetes for, wherever it is declared. */
export const loadBalancers = (resources: PlannedResource[]): LoadBalancer[] => {
  const out: LoadBalancer[] = [];
  for (const r of resources) {
    const i = r.inputs as Json;
    const cluster = clusterOf(r);
    if (r.type === "kubernetes:core/v1:Service" && i.spec?.type === "LoadBalancer") {
      const a = i.metadata?.annotations;
      out.push({ declaredBy: r.name, cluster, addressName: addressOf(a), internal: internalOf(a), ports: portsOf(i.spec), sourceRanges: i.spec.loadBalancerSourceRanges ?? [] });
    }
    if (r.type === "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster" && i.spec?.service?.type === "LoadBalancer") {
      const a = i.spec.service.annotations;
      const spec = i.spec.override?.service?.spec ?? {};
      out.push({ declaredBy: r.name, cluster, addressName: addressOf(a), internal: internalOf(a), ports: [...portsOf(spec), ...RABBITMQ_CLIENT_PORTS], sourceRanges: spec.loadBalancerSourceRanges ?? [] });
    }
    if (r.type === "kubernetes:helm.sh/v4:Chart" && i.chart === "eck-stack") {
      const es = i.values?.["eck-elasticsearch"]?.http?.service;
      if (es?.spec?.type === "LoadBalancer") {
        // ECK's HTTP Service serves 9200 (elastic/cloud-on-k8s@v3.2.0:pkg/controller/elasticsearch/network/ports.go).
        out.push({ declaredBy: `${r.name} eck-elasticsearch.http`, cluster, addressName: addressOf(es.metadata?.annotations), internal: internalOf(es.metadata?.annotations), ports: [9200], sourceRanges: es.spec.loadBalancerSourceRanges ?? [] });
      }
      for (const s of (i.values?.["eck-logstash"]?.services ?? []) as Json[]) {
        if (s.service?.spec?.type !== "LoadBalancer") continue;
        const a = s.service.metadata?.annotations;
        out.push({ declaredBy: `${r.name} eck-logstash.services.${s.name}`, cluster, addressName: addressOf(a), internal: internalOf(a), ports: portsOf(s.service.spec), sourceRanges: s.service.spec.loadBalancerSourceRanges ?? [] });
      }
    }
    if (r.type === "kubernetes:helm.sh/v3:Release" && i.chart === "kube-prometheus-stack") {
      const s = i.values?.prometheus?.service;
      if (s?.type === "LoadBalancer") {
        out.push({ declaredBy: `${r.name} prometheus.service`, cluster, addressName: addressOf(s.annotations), internal: internalOf(s.annotations), ports: [s.port ?? 9090], sourceRanges: s.loadBalancerSourceRanges ?? [] });
      }
    }
  }
  return out;
};

export const networkPolicies = (resources: PlannedResource[]): NetworkPolicyObject[] =>
  resources
    .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    .map((r) => {
      const i = r.inputs as Json;
      return { declaredBy: r.name, cluster: clusterOf(r), namespace: i.metadata?.namespace ?? "default", spec: i.spec ?? {} };
    });

/** Pulumi's wire marker of a secret value, as the mocks record it. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** A resource's inputs with secrets unwrapped (the model reads values, never prints secrets). */
export const unwrapSecrets = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
};
