import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../../apps/shared/contract";
import { IMAGES, INTERNAL_LB_ANNOTATIONS, chartValues } from "./charts";
import { helmRelease, renderedChart } from "./helm-release";

export interface RedisClusterArgs {
  provider: k8s.Provider;
  /** GKE annotation placing the client Service on a reserved internal IP. */
  addressAnnotation: pulumi.Input<Record<string, string>>;
  /** The only ranges the internal load balancer admits. */
  sourceRanges: string[];
  password: pulumi.Output<string>;
  /** The release that installs the ServiceMonitor CRD (the chart renders a ServiceMonitor). */
  monitoringCrds: pulumi.Resource;
}

export const REDIS_NAMESPACE = "redis";
export const REDIS_CLUSTER_NAME = "redis-cluster";
export const REDIS_SERVER_PORT = 6379;

/** `quay.io/opstree/redis:v7.2.7` → image and tag, as the chart takes them apart. */
const splitImage = (ref: string) => ({ image: ref.slice(0, ref.lastIndexOf(":")), tag: ref.slice(ref.lastIndexOf(":") + 1) });

/**
 * Redis in cluster mode on the hub: the OT-Container-Kit operator (Helm release, CRDs) and
 * its redis-cluster chart rendered (3 leaders, 3 followers), plus our own internal load
 * balancer in front of the leaders only. The chart renders a leader *and* a follower external
 * Service from one `externalService` block (OT-CONTAINER-KIT/redis-operator@v0.22.2:
 * charts/redis-cluster/templates/leader-service.yaml, follower-service.yaml), so both would
 * carry the same reserved address and one would never get it; we leave it off.
 */
export class RedisCluster extends pulumi.ComponentResource {
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:RedisCluster", name, {}, opts);
    // Cluster clients follow MOVED redirects to the pods' own port, so the contract's port must
    // be the server's, and the operator serves only 6379 (redis-cluster chart v0.17.1 has no port value).
    if (PORTS.redis !== REDIS_SERVER_PORT) {
      throw new pulumi.ResourceError(`the contract's Redis port (${PORTS.redis}) must be ${REDIS_SERVER_PORT}: the OT redis-operator serves only that port`, this);
    }
    const o = { parent: this, provider: args.provider };
    const operator = helmRelease(`${name}-operator`, "redisOperator", REDIS_NAMESPACE, chartValues("redis-operator.yaml"), o);
    const secret = new k8s.core.v1.Secret(
      `${name}-auth`,
      { metadata: { name: "redis-auth", namespace: REDIS_NAMESPACE }, stringData: { password: args.password } },
      { ...o, dependsOn: [operator] },
    );
    renderedChart(
      `${name}-cluster`,
      "redisCluster",
      REDIS_NAMESPACE,
      chartValues("redis-cluster.yaml", {
        redisCluster: { name: REDIS_CLUSTER_NAME, ...splitImage(IMAGES.redis), redisSecret: { secretName: "redis-auth", secretKey: "password" } },
        redisExporter: splitImage(IMAGES.redisExporter),
        externalService: { enabled: false },
      }),
      { parent: this, provider: args.provider, dependsOn: [operator, secret, args.monitoringCrds] },
    );
    // The same selector the chart's leader Service uses (leader-service.yaml above).
    this.service = new k8s.core.v1.Service(
      `${name}-external`,
      {
        metadata: {
          name: `${REDIS_CLUSTER_NAME}-external`,
          namespace: REDIS_NAMESPACE,
          annotations: pulumi.output(args.addressAnnotation).apply((a) => ({ ...INTERNAL_LB_ANNOTATIONS, ...a })),
        },
        spec: {
          type: "LoadBalancer",
          loadBalancerSourceRanges: args.sourceRanges,
          selector: { app: `${REDIS_CLUSTER_NAME}-leader`, redis_setup_type: "cluster", role: "leader" },
          ports: [{ name: "client", port: PORTS.redis, targetPort: PORTS.redis, protocol: "TCP" }],
        },
      },
      { ...o, dependsOn: [operator] },
    );
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
