/**
 * Ports of the platform services on the `resources` hub that other VPCs may use. The
 * firewall opens exactly these, per peer; the Helm values (issue 5) use the same numbers.
 */
export const HUB_PORTS = {
  rabbitmq: "5672",
  redis: "6379",
  redisClusterBus: "16379",
  elasticsearch: "9200",
  logstashBeats: "5044",
  prometheusRemoteWrite: "9090",
} as const;

/** The management plane uses the broker, the cache and ships logs and metrics. */
export const MANAGEMENT_TO_HUB = Object.values(HUB_PORTS);
/** User workloads only ship logs and metrics: they never touch the broker or the cache. */
export const DEPLOYMENTS_TO_HUB = [HUB_PORTS.elasticsearch, HUB_PORTS.logstashBeats, HUB_PORTS.prometheusRemoteWrite];
