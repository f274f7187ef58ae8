import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ElasticStack } from "./elastic-stack";
import type { HubAddresses, HubService } from "./hub-addresses";
import { HubMonitoring } from "./hub-monitoring";
import { RabbitMq } from "./rabbitmq";
import { RedisCluster } from "./redis-cluster";

export interface HubServicesArgs {
  provider: k8s.Provider;
  addresses: HubAddresses;
  /**
   * Per service, the only ranges its internal load balancer admits. Without
   * `spec.loadBalancerSourceRanges` GKE's `k8s-fw-*` rule admits 0.0.0.0/0
   * (kubernetes/cloud-provider@v0.36.2:service/helpers/helper.go, GetLoadBalancerSourceRanges
   * default; kubernetes/cloud-provider-gcp@v36.3.8:providers/gce/gce_loadbalancer_internal.go,
   * ensureInternalFirewalls), which on peered VPCs is every node and pod of every peer.
   */
  sourceRanges: Record<HubService, string[]>;
}

export const APP_AMQP_USER = "management-app";

/**
 * The platform services on the `resources` hub, one component each: monitoring first (its
 * release brings the CRDs the others' monitors need), then RabbitMQ, Redis Cluster and ECK.
 * Services used from other VPCs sit on internal load balancers at the hub's reserved addresses.
 */
export class HubServices extends pulumi.ComponentResource {
  readonly rabbitmqPassword: random.RandomPassword;
  readonly redisPassword: random.RandomPassword;
  readonly grafanaPassword: random.RandomPassword;
  /** Basic auth of Logstash's http input: Fluent Bit on every cluster sends it. */
  readonly logstashPassword: random.RandomPassword;
  readonly monitoring: HubMonitoring;

  constructor(name: string, args: HubServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:HubServices", name, {}, opts);
    const a = args.addresses;
    const password = (n: string) => new random.RandomPassword(`${name}-${n}-password`, { length: 32, special: false }, { parent: this });
    this.rabbitmqPassword = password("rabbitmq");
    this.redisPassword = password("redis");
    this.grafanaPassword = password("grafana");
    this.logstashPassword = password("logstash-http");

    // Children keep the names they had before this component was split (a name is an identity).
    const ranges = args.sourceRanges;
    this.monitoring = new HubMonitoring(
      name,
      { provider: args.provider, addressAnnotation: a.annotation("prometheus"), sourceRanges: ranges.prometheus, grafanaPassword: this.grafanaPassword.result },
      { parent: this },
    );
    const crds = this.monitoring.release;

    new RabbitMq(
      "rabbitmq",
      {
        provider: args.provider,
        addressAnnotation: a.annotation("rabbitmq"),
        sourceRanges: ranges.rabbitmq,
        username: APP_AMQP_USER,
        password: this.rabbitmqPassword.result,
        monitoringCrds: crds,
      },
      { parent: this },
    );
    new RedisCluster(
      `${name}-redis`,
      { provider: args.provider, addressAnnotation: a.annotation("redis"), sourceRanges: ranges.redis, password: this.redisPassword.result, monitoringCrds: crds },
      { parent: this },
    );
    new ElasticStack(
      `${name}-eck`,
      { provider: args.provider, logstashAddress: a.annotation("logstash"), logstashSourceRanges: ranges.logstash, logstashPassword: this.logstashPassword.result },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
