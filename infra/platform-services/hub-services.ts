import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { INTERNAL_LB_ANNOTATIONS, chartValues } from "./charts";
import { helmRelease, renderedChart } from "./helm-release";
import type { HubAddresses } from "./hub-addresses";
import { RabbitMq } from "./rabbitmq";

export interface HubServicesArgs {
  provider: k8s.Provider;
  addresses: HubAddresses;
}

export const APP_AMQP_USER = "management-app";

/**
 * The platform services on the `resources` hub: RabbitMQ, Redis Cluster, ECK
 * (Elasticsearch, Kibana, Logstash) and kube-prometheus-stack. Services used from other
 * VPCs sit on internal load balancers at the hub's reserved addresses.
 */
export class HubServices extends pulumi.ComponentResource {
  readonly rabbitmqPassword: random.RandomPassword;
  readonly redisPassword: random.RandomPassword;
  readonly grafanaPassword: random.RandomPassword;

  constructor(name: string, args: HubServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:HubServices", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const a = args.addresses;
    const password = (n: string) => new random.RandomPassword(`${name}-${n}-password`, { length: 32, special: false }, { parent: this });
    this.rabbitmqPassword = password("rabbitmq");
    this.redisPassword = password("redis");
    this.grafanaPassword = password("grafana");

    new RabbitMq(`rabbitmq`, { provider: args.provider, addressAnnotation: a.annotation("rabbitmq"), username: APP_AMQP_USER, password: this.rabbitmqPassword.result }, { parent: this });

    // Redis: operator as a Helm release (CRDs), the cluster's CRs rendered so they are visible.
    const redisOperator = helmRelease(`${name}-redis-operator`, "redisOperator", "redis", chartValues("redis-operator.yaml"), o);
    const redisSecret = new k8s.core.v1.Secret(
      `${name}-redis-auth`,
      { metadata: { name: "redis-auth", namespace: "redis" }, stringData: { password: this.redisPassword.result } },
      { ...o, dependsOn: [redisOperator] },
    );
    renderedChart(
      `${name}-redis-cluster`,
      "redisCluster",
      "redis",
      chartValues("redis-cluster.yaml", {
        redisCluster: { image: "quay.io/opstree/redis", tag: "v7.2.7", redisSecret: { secretName: "redis-auth", secretKey: "password" } },
        externalService: { annotations: a.annotation("redis").apply((x) => ({ ...INTERNAL_LB_ANNOTATIONS, ...x })) },
      }),
      { parent: this, provider: args.provider, dependsOn: [redisOperator, redisSecret] },
    );

    const eckOperator = helmRelease(`${name}-eck-operator`, "eckOperator", "elastic-system", chartValues("eck-operator.yaml"), o);
    renderedChart(
      `${name}-eck-stack`,
      "eckStack",
      "elastic",
      chartValues("eck-stack.yaml", {
        "eck-elasticsearch": { http: { service: { metadata: { annotations: a.annotation("elasticsearch").apply((x) => ({ ...INTERNAL_LB_ANNOTATIONS, ...x })) }, spec: { type: "LoadBalancer" } } } },
        "eck-logstash": {
          services: [{ name: "beats", service: { metadata: { annotations: a.annotation("logstash").apply((x) => ({ ...INTERNAL_LB_ANNOTATIONS, ...x })) }, spec: { type: "LoadBalancer", ports: [{ port: 5044, name: "beats", protocol: "TCP" }] } } }],
        },
      }),
      { parent: this, provider: args.provider, dependsOn: [eckOperator] },
    );

    helmRelease(
      `${name}-kube-prometheus-stack`,
      "kubePrometheusStack",
      "monitoring",
      chartValues("kube-prometheus-stack.yaml", {
        // Explicitly secret: values of a Helm release are stored in Pulumi state.
        grafana: { adminPassword: pulumi.secret(this.grafanaPassword.result) },
        prometheus: { service: { type: "LoadBalancer", annotations: a.annotation("prometheus").apply((x) => ({ ...INTERNAL_LB_ANNOTATIONS, ...x })) } },
      }),
      o,
    );
    this.registerOutputs({});
  }
}
