import type * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SERVICE_NAMES, topology, type ServiceName } from "../../apps/shared/contract";
import { ApiCertificate } from "./api-certificate";
import { Identities, APP_NAMESPACE } from "./identities";
import { PipelineObservability } from "./pipeline-observability";
import { toEnvVars, type EnvSpec } from "./service-env";
import { ServiceWorkload } from "./service-workload";

export interface ManagementAppArgs {
  project: string;
  provider: k8s.Provider;
  image: string;
  hostname: string;
  /** Cloud DNS zone of the hostname (TLS certificate authorization). */
  dnsZone: string;
  bucket: gcp.storage.Bucket;
  amqp: { host: pulumi.Input<string>; user: string; password: pulumi.Output<string> };
  redis: { host: pulumi.Input<string>; password: pulumi.Output<string> };
  /** The deployments cluster's DNS endpoint, for the applier's kubeconfig. */
  deploymentsEndpoint: pulumi.Input<string>;
  /** KEDA must be installed before ScaledObjects can exist. */
  keda: pulumi.Resource;
  replicas: number;
}

const NAME_PREFIX = "cp";
const SECRET = "management-app";
const TOKENS_DIR = "/var/run/secrets/management-app";
const KUBECONFIG_DIR = "/var/run/kubeconfig";
const QUEUE_OF: Partial<Record<ServiceName, "yaml-manager" | "cluster-applier" | "status-worker">> = {
  "yaml-manager": "yaml-manager",
  "cluster-applier": "cluster-applier",
  "status-worker": "status-worker",
};

/**
 * The Management App on the management cluster, built from the shared contract: per service
 * a workload with its Google identity, env typed by the service's own schema, credentials in
 * one Secret; KEDA scaling the workers on their queue's depth and a CPU HPA for the
 * entrypoint; the GKE Gateway routing the API; dashboards and alerts.
 */
export class ManagementApp extends pulumi.ComponentResource {
  readonly apiToken: random.RandomPassword;
  readonly identities: Identities;

  constructor(name: string, args: ManagementAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:ManagementApp", name, {}, opts);
    if (args.replicas < 2) throw new pulumi.ResourceError("run at least 2 replicas per service: PodDisruptionBudgets and rolling updates need them", this);
    const o = { parent: this, provider: args.provider };
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: APP_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }, o);
    const namespace = ns.metadata.name;

    this.identities = new Identities(`${name}-identity`, { project: args.project, bucket: args.bucket, services: SERVICE_NAMES }, { parent: this });
    this.apiToken = new random.RandomPassword(`${name}-api-token`, { length: 40, special: false }, { parent: this });

    const amqpUrl = pulumi.interpolate`amqp://${args.amqp.user}:${args.amqp.password}@${args.amqp.host}:5672`;
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: SECRET, namespace },
        stringData: {
          AMQP_URL: amqpUrl,
          REDIS_URL: pulumi.interpolate`redis://:${args.redis.password}@${args.redis.host}:6379`,
          "api-tokens": pulumi.interpolate`default:${this.apiToken.result}\n`,
        },
      },
      o,
    );
    const kubeconfig = new k8s.core.v1.ConfigMap(
      `${name}-deployments-kubeconfig`,
      {
        metadata: { name: "deployments-kubeconfig", namespace },
        data: {
          kubeconfig: pulumi.interpolate`apiVersion: v1
kind: Config
clusters: [{ name: deployments, cluster: { server: "https://${args.deploymentsEndpoint}" } }]
users: [{ name: applier, user: { exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: node, args: [scripts/gke-exec-credential.mjs], interactiveMode: Never } } }]
contexts: [{ name: deployments, context: { cluster: deployments, user: applier } }]
current-context: deployments
`,
        },
      },
      o,
    );

    const common = {
      LOG_LEVEL: "info",
      HOST: "0.0.0.0",
      PORT: "8080",
      AMQP_URL: { secretKey: "AMQP_URL" },
      NAME_PREFIX,
      PREFETCH: "32",
      DELIVERY_LIMIT: "5",
    };
    const storage = { STORAGE_DRIVER: "gcs", DATA_DIR: "/tmp/data", GCS_BUCKET: args.bucket.name, GCS_API_ENDPOINT: undefined, STORAGE_RETRIES: "3" };
    const api = { API_TOKENS: undefined, API_TOKENS_FILE: `${TOKENS_DIR}/api-tokens`, RATE_LIMIT_PER_SECOND: "200" };
    const redis = { REDIS_URL: { secretKey: "REDIS_URL" }, REDIS_MODE: "cluster" };
    const yaml = { MAX_DOCUMENTS: "100", MAX_DEPTH: "32", MAX_ALIASES: "20" };
    const env: { [S in ServiceName]: EnvSpec<S> } = {
      entrypoint: { ...common, ...storage, ...api, ...redis, ...yaml, MAX_BODY_BYTES: String(1024 * 1024), MAX_FILES: "20", IDEMPOTENCY_TTL_SECONDS: "86400" },
      "yaml-manager": { ...common, ...storage, ALLOWED_REGISTRIES: undefined, JOB_ACTIVE_DEADLINE_SECONDS: "86400", JOB_TTL_SECONDS_AFTER_FINISHED: "3600" },
      "cluster-applier": {
        ...common,
        ...storage,
        APPLIER_TARGET: "kubernetes",
        KUBECONFIG_PATH: `${KUBECONFIG_DIR}/kubeconfig`,
        NAMESPACE_DELETE_TIMEOUT_SECONDS: "300",
        JOB_QUOTA_CPU: "8",
        JOB_QUOTA_MEMORY: "32Gi",
        JOB_QUOTA_PODS: "50",
        JOB_QUOTA_STORAGE: "100Gi",
        JOB_QUOTA_OBJECTS: "50",
        JOB_DEFAULT_CPU: "500m",
        JOB_DEFAULT_MEMORY: "512Mi",
        JOB_MAX_CPU: "4",
        JOB_MAX_MEMORY: "16Gi",
        JOB_EGRESS_ALLOW: undefined,
      },
      "status-worker": { ...common, ...api, ...redis, MAX_PAGE_SIZE: "100" },
    };
    const tokensVolume = { name: "api-tokens", mountPath: TOKENS_DIR, volume: { name: "api-tokens", secret: { secretName: secret.metadata.name, items: [{ key: "api-tokens", path: "api-tokens" }] } } };
    const kubeconfigVolume = { name: "kubeconfig", mountPath: KUBECONFIG_DIR, volume: { name: "kubeconfig", configMap: { name: kubeconfig.metadata.name } } };

    const workloads = {} as Record<ServiceName, ServiceWorkload>;
    for (const svc of SERVICE_NAMES) {
      workloads[svc] = new ServiceWorkload(
        `${name}-${svc}`,
        {
          service: svc,
          namespace,
          image: args.image,
          env: toEnvVars(env[svc] as EnvSpec<ServiceName>, secret.metadata.name),
          googleServiceAccount: this.identities.accounts[svc].email,
          replicas: args.replicas,
          resources: { cpu: "250m", memory: "384Mi" },
          volumes: svc === "cluster-applier" ? [kubeconfigVolume] : svc === "entrypoint" || svc === "status-worker" ? [tokensVolume] : [],
          provider: args.provider,
        },
        { parent: this },
      );
    }

    // Workers scale on the depth of their own queue (names from the contract).
    const t = topology(NAME_PREFIX);
    const triggerAuth = new k8s.apiextensions.CustomResource(
      `${name}-rabbitmq-auth`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "TriggerAuthentication",
        metadata: { name: "rabbitmq", namespace },
        spec: { secretTargetRef: [{ parameter: "host", name: secret.metadata.name, key: "AMQP_URL" }] },
      },
      { ...o, dependsOn: [args.keda] },
    );
    for (const svc of SERVICE_NAMES) {
      const queue = QUEUE_OF[svc];
      if (!queue) continue;
      new k8s.apiextensions.CustomResource(
        `${name}-${svc}-scaler`,
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledObject",
          metadata: { name: svc, namespace },
          spec: {
            scaleTargetRef: { name: workloads[svc].deployment.metadata.name },
            minReplicaCount: args.replicas,
            maxReplicaCount: 20,
            triggers: [{ type: "rabbitmq", metadata: { queueName: t.queue(queue), mode: "QueueLength", value: "100", protocol: "amqp" }, authenticationRef: { name: triggerAuth.metadata.name } }],
          },
        },
        { ...o, dependsOn: [args.keda] },
      );
    }
    // The entrypoint has no queue of its own: it scales on CPU.
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-entrypoint-hpa`,
      {
        metadata: { name: "entrypoint", namespace },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: workloads.entrypoint.deployment.metadata.name },
          minReplicas: args.replicas,
          maxReplicas: 10,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        },
      },
      o,
    );

    // HTTP entry: GKE Gateway, HTTPS only (bearer tokens must never cross the Internet in
    // clear); writes go to the entrypoint, reads to the status worker.
    const certificate = new ApiCertificate(`${name}-tls`, { hostname: args.hostname, dnsZone: args.dnsZone }, { parent: this });
    const gateway = new k8s.apiextensions.CustomResource(
      `${name}-gateway`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: "management-app", namespace, annotations: { "networking.gke.io/certmap": certificate.map.name } },
        spec: { gatewayClassName: "gke-l7-global-external-managed", listeners: [{ name: "https", protocol: "HTTPS", port: 443, hostname: args.hostname }] },
      },
      o,
    );
    const backend = (svc: ServiceName) => [{ name: workloads[svc].service.metadata.name, port: 80 }];
    new k8s.apiextensions.CustomResource(
      `${name}-route`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "management-app", namespace },
        spec: {
          parentRefs: [{ name: gateway.metadata.name }],
          hostnames: [args.hostname],
          rules: [
            { matches: [{ path: { type: "Exact", value: "/yaml" }, method: "POST" }], backendRefs: backend("entrypoint") },
            { matches: [{ path: { type: "PathPrefix", value: "/jobs" }, method: "DELETE" }], backendRefs: backend("entrypoint") },
            { matches: [{ path: { type: "PathPrefix", value: "/jobs" }, method: "GET" }], backendRefs: backend("status-worker") },
          ],
        },
      },
      o,
    );

    new PipelineObservability(`${name}-observability`, { namespace, namePrefix: NAME_PREFIX, provider: args.provider }, { parent: this });
    this.registerOutputs({ namespace, apiToken: this.apiToken.result });
  }
}
