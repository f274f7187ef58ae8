import { HUB_ENDPOINT_NAMES, HUB_ENDPOINTS, type ClusterName, type HubEndpoint } from "../apps/shared/contract";

/**
 * The hub's services other VPCs use, their ports and clients, from the contract
 * (apps/shared/contract/reachability.ts). The firewall rules and the load balancers' source
 * ranges are both built from it, so the two layers cannot disagree. Redis Cluster's bus port
 * (client port + 10000) is only spoken between Redis nodes, inside the hub
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/), so it is not opened.
 */
export const HUB_PORTS: Record<HubEndpoint, string> = Object.fromEntries(HUB_ENDPOINT_NAMES.map((s) => [s, String(HUB_ENDPOINTS[s].port)])) as Record<HubEndpoint, string>;

/** The clusters whose pods use a hub service. */
export const hubClients = (svc: HubEndpoint): readonly ClusterName[] => HUB_ENDPOINTS[svc].clients;

/** The source ranges of a hub service: the pod ranges of exactly the clusters that use it. */
export const hubSourceRanges = (svc: HubEndpoint, podRanges: Record<ClusterName, string>): string[] => hubClients(svc).map((c) => podRanges[c]);
