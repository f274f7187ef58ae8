import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ElasticStack } from "./elastic-stack";
import type { HubAddresses, HubService } from "./hub-addresses";
import { HubMonitoring } from "./hub-monitoring";
import { MutualTls } from "./mutual-tls";
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
/** The common name of the Prometheus agents' client certificate: the one the remote-write gateway lets in. */
export const METRICS_CLIENT = "prometheus-agent";

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
  /** Fluent Bit → Logstash: Logstash's server certificate, Fluent Bit's client certificate. */
  readonly logsTls: MutualTls;
  /** Prometheus agents → the hub's remote-write endpoint. */
  readonly metricsTls: MutualTls;

  constructor(name: string, args: HubServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:HubServices", name, {}, opts);
    const a = args.addresses;
    const password = (n: string) => new random.RandomPassword(`${name}-${n}-password`, { length: 32, special: false }, { parent: this });
    this.rabbitmqPassword = password("rabbitmq");
    this.redisPassword = password("redis");
    this.grafanaPassword = password("grafana");
    this.logstashPassword = password("logstash-http");

    // The two endpoints other clusters write to, each its own authority (see MutualTls).
    this.logsTls = new MutualTls(`${name}-logs-tls`, { serverIp: a.ip("logstash"), serverName: "logstash", clientName: "fluent-bit" }, { parent: this });
    this.metricsTls = new MutualTls(`${name}-metrics-tls`, { serverIp: a.ip("prometheus"), serverName: "remote-write", clientName: METRICS_CLIENT }, { parent: this });

    // Children keep the names they had before this component was split (a name is an identity).
    const ranges = args.sourceRanges;
    this.monitoring = new HubMonitoring(
      name,
      { provider: args.provider, addressAnnotation: a.annotation("prometheus"), sourceRanges: ranges.prometheus, grafanaPassword: this.grafanaPassword.result, tls: this.metricsTls, clientName: METRICS_CLIENT },
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
      { provider: args.provider, logstashAddress: a.annotation("logstash"), logstashSourceRanges: ranges.logstash, logstashPassword: this.logstashPassword.result, tls: this.logsTls },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
