import { PORTS } from "./platform";

/**
 * Who may reach what across the platform's networks, declared once. infra/ builds its firewall
 * rules and load-balancer source ranges from `HUB_CLIENTS`, and infra/plan/reachability computes
 * the matrix from the program's resource graph and compares it with `INTENDED_REACHABILITY`:
 * a change that opens (or closes) a path fails a test and shows in `npm run plan`.
 */
export const CLUSTERS = ["management", "resources", "deployments"] as const;
export type ClusterName = (typeof CLUSTERS)[number];

/**
 * The hub's (resources') services that other clusters use, each on an internal load balancer:
 * its port and the clusters whose pods need it. Elasticsearch is not among them: only Logstash
 * and Kibana (both in the hub) use it, so it has no load balancer at all.
 */
export const HUB_ENDPOINTS = {
  /** The Management App and KEDA's rabbitmq scaler (both on management). */
  rabbitmq: { port: PORTS.amqp, clients: ["management"] },
  /** The Management App's job state. */
  redis: { port: PORTS.redis, clients: ["management"] },
  /** Fluent Bit on every cluster, the hub's own included (it posts to the same address). */
  logstash: { port: PORTS.logstashHttp, clients: ["management", "resources", "deployments"] },
  /** Prometheus agents' remote write (management and deployments), through its mutual-TLS gateway. */
  prometheus: { port: PORTS.remoteWrite, clients: ["management", "deployments"] },
} as const satisfies Record<string, { port: number; clients: readonly ClusterName[] }>;
export type HubEndpoint = keyof typeof HUB_ENDPOINTS;
export const HUB_ENDPOINT_NAMES = Object.keys(HUB_ENDPOINTS) as HubEndpoint[];

/**
 * Where traffic can come from. `<cluster>:pods` are the platform's own pods (agents, operators,
 * the app) not held by a NetworkPolicy; `management:monitoring` the Prometheus agent's pods
 * there (namespace `monitoring`); `deployments:jobs` are job pods, which share the
 * deployments pod range but sit in fenced namespaces. `google:frontends` are Google's
 * load-balancer proxies and health checkers; `<cluster>:control-plane` each private control plane.
 */
export const SOURCES = [
  "internet",
  "google:frontends",
  "management:nodes",
  "management:pods",
  "management:monitoring",
  "management:control-plane",
  "resources:nodes",
  "resources:pods",
  "resources:control-plane",
  "deployments:nodes",
  "deployments:pods",
  "deployments:jobs",
  "deployments:control-plane",
] as const;
export type Source = (typeof SOURCES)[number];

/**
 * Destinations: each hub load balancer (`hub:<service>`), each cluster's kubelet and webhook
 * ports on its nodes, KEDA's metrics server, the entrypoint's pod port, and each control plane's
 * private endpoint.
 */
export const DESTINATIONS = [
  ...HUB_ENDPOINT_NAMES.map((s) => `hub:${s}` as const),
  "management:kubelet",
  "resources:kubelet",
  "deployments:kubelet",
  "management:keda-metrics",
  "management:entrypoint",
  "management:control-plane-endpoint",
  "resources:control-plane-endpoint",
  "deployments:control-plane-endpoint",
] as const;
export type Destination = (typeof DESTINATIONS)[number];

const hubAllowed = (src: Source): Destination[] =>
  HUB_ENDPOINT_NAMES.filter((s) => (HUB_ENDPOINTS[s].clients as readonly string[]).some((c) => src === `${c}:pods`)).map((s) => `hub:${s}` as const);

/**
 * The intended matrix: every (source, destination) pair not listed is refused. Kubelets are
 * reached by their own cluster's control plane and nodes/pods (GKE's own rules), the entrypoint
 * only by Google's front ends and Prometheus on management, KEDA's metrics server by the
 * management control plane (the aggregated API) and, inside management, by what GKE's own
 * cluster rules let through (no NetworkPolicy holds the keda namespace), each control plane's private endpoint by its
 * own nodes (authorized networks) and own platform pods (in-cluster clients); everyone else uses
 * the DNS endpoint with IAM. Job pods reach nothing outside their namespace but DNS.
 */
export const INTENDED_REACHABILITY: Readonly<Record<Source, readonly Destination[]>> = {
  internet: [],
  "google:frontends": ["management:entrypoint"],
  "management:nodes": ["management:kubelet", "management:keda-metrics", "management:control-plane-endpoint"],
  "management:pods": [...hubAllowed("management:pods"), "management:kubelet", "management:keda-metrics", "management:control-plane-endpoint"],
  "management:monitoring": [...hubAllowed("management:pods"), "management:kubelet", "management:keda-metrics", "management:entrypoint", "management:control-plane-endpoint"],
  "management:control-plane": ["management:kubelet", "management:keda-metrics"],
  // Inside the hub, GKE's own cluster rules admit every node and pod of the cluster to every
  // port: the hub's services are kept apart from its other pods by credentials, not the network.
  "resources:nodes": [...HUB_ENDPOINT_NAMES.map((s) => `hub:${s}` as const), "resources:kubelet", "resources:control-plane-endpoint"],
  "resources:pods": [...HUB_ENDPOINT_NAMES.map((s) => `hub:${s}` as const), "resources:kubelet", "resources:control-plane-endpoint"],
  "resources:control-plane": ["resources:kubelet"],
  "deployments:nodes": ["deployments:kubelet", "deployments:control-plane-endpoint"],
  "deployments:pods": [...hubAllowed("deployments:pods"), "deployments:kubelet", "deployments:control-plane-endpoint"],
  "deployments:jobs": [],
  "deployments:control-plane": ["deployments:kubelet"],
};
