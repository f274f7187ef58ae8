import { PORTS } from "../apps/shared/contract";

/**
 * Ports of the platform services on the `resources` hub that other VPCs may use, from the
 * contract. The firewall opens exactly these, per peer; the Services and chart values that
 * listen on them read the same contract constants.
 */
export const HUB_PORTS = {
  rabbitmq: String(PORTS.amqp),
  redis: String(PORTS.redis),
  elasticsearch: String(PORTS.elasticsearch),
  logstashHttp: String(PORTS.logstashHttp),
  prometheusRemoteWrite: String(PORTS.prometheus),
} as const;

/**
 * The management plane uses the broker, the cache and ships logs and metrics. Redis Cluster's
 * bus port (client port + 10000) is only spoken between Redis nodes, inside the hub
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/), so it is not opened.
 */
export const MANAGEMENT_TO_HUB = Object.values(HUB_PORTS);
/**
 * User workloads only ship logs (to Logstash) and metrics (remote write): they never touch the
 * broker, the cache, or Elasticsearch itself.
 */
export const DEPLOYMENTS_TO_HUB = [HUB_PORTS.logstashHttp, HUB_PORTS.prometheusRemoteWrite];
