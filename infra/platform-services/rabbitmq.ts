import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS, deadLetterPolicy } from "../../apps/shared/contract";
import { IMAGES, INTERNAL_LB_ANNOTATIONS, RABBITMQ_OPERATOR_MANIFEST } from "./charts";

export interface RabbitMqArgs {
  provider: k8s.Provider;
  /** GKE annotation placing the AMQP Service on a reserved internal IP. */
  addressAnnotation: pulumi.Input<Record<string, string>>;
  /**
   * The only ranges the load balancer admits. It forwards every port of the operator's client
   * Service (AMQP, the management API 15672, metrics 15692:
   * rabbitmq/cluster-operator@v2.22.0:internal/resource/service.go), so these ranges are all that
   * stands between a peer and the management API.
   */
  sourceRanges: string[];
  username: string;
  password: pulumi.Output<string>;
  replicas?: number;
  /** The release that installs the PodMonitor CRD on this cluster. */
  monitoringCrds: pulumi.Resource;
}

export const RABBITMQ_NAMESPACE = "messaging";

/**
 * A RabbitMQ cluster run by the RabbitMQ Cluster Operator: 3 nodes, quorum queues by
 * default, Prometheus metrics on 15692, a PodDisruptionBudget that keeps a quorum, and an
 * internal load balancer for the management VPC. Credentials come from a Secret we create.
 */
export class RabbitMq extends pulumi.ComponentResource {
  readonly cluster: k8s.apiextensions.CustomResource;

  constructor(name: string, args: RabbitMqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:RabbitMq", name, {}, opts);
    const replicas = args.replicas ?? 3;
    if (replicas < 3 || replicas % 2 === 0) throw new pulumi.ResourceError("RabbitMQ needs an odd number of nodes, at least 3, for quorum queues", this);
    const o = { parent: this, provider: args.provider };

    // The operator publishes a manifest, not a chart; Pulumi applies it object by object.
    const operator = new k8s.yaml.v2.ConfigFile(`${name}-operator`, { file: RABBITMQ_OPERATOR_MANIFEST }, o);
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: RABBITMQ_NAMESPACE } }, o);
    const user = new k8s.core.v1.Secret(
      `${name}-default-user`,
      {
        metadata: { name: `${name}-default-user`, namespace: ns.metadata.name },
        stringData: {
          username: args.username,
          password: args.password,
          "default_user.conf": pulumi.interpolate`default_user = ${args.username}\ndefault_pass = ${args.password}\n`,
        },
      },
      o,
    );
    this.cluster = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      {
        apiVersion: "rabbitmq.com/v1beta1",
        kind: "RabbitmqCluster",
        metadata: { name, namespace: ns.metadata.name },
        spec: {
          replicas,
          image: IMAGES.rabbitmq,
          resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
          persistence: { storage: "20Gi" },
          rabbitmq: {
            additionalPlugins: ["rabbitmq_prometheus"],
            // The operator's client Service always offers 5672; the listener and the Service
            // override below follow the contract's port instead.
            additionalConfig: `default_queue_type = quorum\nlisteners.tcp.default = ${PORTS.amqp}\n`,
          },
          secretBackend: { externalSecret: { name: user.metadata.name } },
          service: { type: "LoadBalancer", annotations: pulumi.output(args.addressAnnotation).apply((a) => ({ ...INTERNAL_LB_ANNOTATIONS, ...a })) },
          // Merged by port name into the operator's client Service
          // (rabbitmq/cluster-operator@v2.22.0:internal/resource/service.go, applySvcOverride).
          // The key is `service` (api/v1beta1/rabbitmqcluster_types.go, RabbitmqClusterOverrideSpec);
          // the CRD has no `clientService`, which the API server would drop without a word.
          override: {
            service: { spec: { loadBalancerSourceRanges: args.sourceRanges, ports: [{ name: "amqp", port: PORTS.amqp, targetPort: PORTS.amqp, protocol: "TCP" }] } },
          },
        },
      },
      { ...o, dependsOn: [operator] },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name, namespace: ns.metadata.name },
        spec: { minAvailable: Math.floor(replicas / 2) + 1, selector: { matchLabels: { "app.kubernetes.io/name": name } } },
      },
      o,
    );
    // Queue depth for the backlog alert, the dashboard and nobody else: KEDA asks the broker
    // itself. `/metrics/detailed?family=queue_coarse_metrics` is what exposes
    // rabbitmq_detailed_queue_messages_ready per queue (https://www.rabbitmq.com/docs/prometheus,
    // "Per-object metrics"); the pods' container port `prometheus` is 15692
    // (rabbitmq/cluster-operator@v2.22.0:internal/resource/statefulset.go).
    new k8s.apiextensions.CustomResource(
      `${name}-podmonitor`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name, namespace: ns.metadata.name },
        spec: {
          selector: { matchLabels: { "app.kubernetes.io/name": name } },
          podMetricsEndpoints: [
            { port: "prometheus", path: "/metrics", interval: "30s" },
            { port: "prometheus", path: "/metrics/detailed", params: { family: ["queue_coarse_metrics"] }, interval: "30s" },
          ],
        },
      },
      { ...o, dependsOn: [args.monitoringCrds, this.cluster] },
    );
    this.deadLetterPolicy(name, ns, user, o);
    this.registerOutputs({ cluster: this.cluster.metadata.name });
  }

  /**
   * The dead-letter queues' delivery limit (the contract's deadLetterPolicy: off, where
   * RabbitMQ 4.x would otherwise drop a message requeued more than 20 times). A policy and not a
   * queue argument, so existing DLQs take it without being re-declared. Policies are set through
   * the management HTTP API (`PUT /api/policies/{vhost}/{name}`,
   * https://www.rabbitmq.com/docs/http-api-reference), which the operator's client Service
   * always serves on 15672 (rabbitmq/cluster-operator@v2.22.0:internal/resource/service.go), so
   * a Job does it once the cluster answers; the PUT is idempotent, and a changed policy changes
   * the Job, which Pulumi then replaces (runs again).
   */
  private deadLetterPolicy(name: string, ns: k8s.core.v1.Namespace, user: k8s.core.v1.Secret, o: pulumi.CustomResourceOptions) {
    const { name: policyName, ...body } = deadLetterPolicy();
    const url = `http://${name}.${RABBITMQ_NAMESPACE}.svc:15672/api/policies/%2F/${policyName}`;
    const secretEnv = (key: string) => ({ valueFrom: { secretKeyRef: { name: user.metadata.name, key } } });
    new k8s.batch.v1.Job(
      `${name}-dead-letter-policy`,
      {
        metadata: { name: `${name}-dead-letter-policy`, namespace: ns.metadata.name },
        spec: {
          backoffLimit: 6,
          template: {
            spec: {
              restartPolicy: "Never",
              securityContext: { runAsNonRoot: true, runAsUser: 100, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "set-policy",
                  image: IMAGES.curl,
                  // Retries while the cluster forms (connection refused, 503 before the node is up).
                  command: ["sh", "-c", 'curl --fail-with-body -sS --retry 30 --retry-delay 10 --retry-all-errors -u "$RABBITMQ_USER:$RABBITMQ_PASS" -X PUT -H "content-type: application/json" --data "$POLICY" "$URL"'],
                  env: [
                    { name: "RABBITMQ_USER", ...secretEnv("username") },
                    { name: "RABBITMQ_PASS", ...secretEnv("password") },
                    { name: "POLICY", value: JSON.stringify(body) },
                    { name: "URL", value: url },
                  ],
                  resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                },
              ],
            },
          },
        },
      },
      { ...o, dependsOn: [this.cluster] },
    );
  }
}
