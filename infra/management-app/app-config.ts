import { rolloutChecksum } from "../rollout-checksum";
import type * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS, type QueueCapacity, type ServiceName, type UsageRates } from "../../apps/shared/contract";
import type { JobSizes } from "../config/job-limits";
import { GATEWAY_PROXY_HOPS } from "./api-gateway";
import { toEnvVars, type EnvSpec } from "./service-env";

export interface AppConfigArgs {
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  namePrefix: string;
  bucket: gcp.storage.Bucket;
  amqp: { host: pulumi.Input<string>; user: string; password: pulumi.Output<string> };
  redis: { host: pulumi.Input<string>; password: pulumi.Output<string> };
  /** Each tenant's API token, by tenant: the API's tokens file. */
  apiTokens: Readonly<Record<string, pulumi.Output<string>>>;
  /** The operator's token (GET /admin/activity, the idle-destroy workflow). */
  operatorToken: pulumi.Output<string>;
  /** WEBHOOK_SECRET_KEY: base64 of WEBHOOK_SECRET_KEY_BYTES random bytes (webhook secrets at rest). */
  webhookSecretKey: pulumi.Output<string>;
  /** The deployments cluster's DNS endpoint, for the applier's kubeconfig. */
  deploymentsEndpoint: pulumi.Input<string>;
  /** Prices of a deployments node's core, GiB and GPU (job usage), from infra/cost. */
  usageRates: UsageRates;
  /** What the stack's Kueue queues can ever admit (admission refuses more at submit). */
  queueCapacity: QueueCapacity;
  /** One job's quota and one container's maximum (infra/config/job-limits.ts). */
  jobSizes: JobSizes;
  /** The read API's Google service account emails: the applier lets them read logs in each job namespace. */
  logReaders: pulumi.Input<string>[];
}

/**
 * The fence's numbers, one set for the applier (which installs them in every job namespace) and
 * for the YAML Manager and the entrypoint's dry run (which check jobs against them at submit).
 * CPU and memory come from the tenants' quotas and the job pools' machines (infra/config/job-limits.ts).
 */
export const jobLimitsEnv = (sizes: JobSizes) => ({
  JOB_QUOTA_CPU: sizes.quota.cpu,
  JOB_QUOTA_MEMORY: sizes.quota.memory,
  JOB_QUOTA_PODS: "50",
  JOB_QUOTA_STORAGE: "100Gi",
  JOB_QUOTA_OBJECTS: "50",
  JOB_DEFAULT_CPU: "500m",
  JOB_DEFAULT_MEMORY: "512Mi",
  JOB_MAX_CPU: sizes.container.maxCpu,
  JOB_MAX_MEMORY: sizes.container.maxMemory,
  JOB_EGRESS_ALLOW: undefined,
});

/** A volume a service mounts read-only. */
export interface MountedVolume {
  name: string;
  mountPath: string;
  volume: k8s.types.input.core.v1.Volume;
  /** Of what the service reads from the volume once at start (see ServiceWorkloadArgs.volumes). */
  checksum?: pulumi.Output<string>;
}

const SECRET = "management-app";

/**
 * The API's tokens file (API_TOKENS_FILE): one `tenant:token` per line, what loadTokens
 * (apps/shared/http/auth.ts) reads. Sorted by tenant, so reordering the config changes nothing.
 */
export const tokensFile = (tokens: Readonly<Record<string, string>>): string =>
  Object.keys(tokens)
    .sort()
    .map((t) => `${t}:${tokens[t]}\n`)
    .join("");
const TOKENS_DIR = "/var/run/secrets/management-app";
const KUBECONFIG_DIR = "/var/run/kubeconfig";

/**
 * What the services are configured with: one Secret (broker and Redis URLs, API tokens, the
 * key of webhook secrets at rest), the applier's kubeconfig for the deployments cluster, and per
 * service its environment, typed by that service's schema in the contract, with ports from the
 * contract.
 */
export class AppConfig extends pulumi.ComponentResource {
  readonly secret: k8s.core.v1.Secret;
  private readonly env: { [S in ServiceName]: EnvSpec<S> };
  private readonly volumes: Record<ServiceName, MountedVolume[]>;

  constructor(name: string, args: AppConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:AppConfig", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const tokens = pulumi.all(args.apiTokens).apply(tokensFile);
    this.secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: SECRET, namespace: args.namespace },
        stringData: {
          AMQP_URL: pulumi.interpolate`amqp://${args.amqp.user}:${args.amqp.password}@${args.amqp.host}:${PORTS.amqp}`,
          REDIS_URL: pulumi.interpolate`redis://:${args.redis.password}@${args.redis.host}:${PORTS.redis}`,
          "api-tokens": tokens,
          OPERATOR_TOKEN: args.operatorToken,
          WEBHOOK_SECRET_KEY: pulumi.secret(args.webhookSecretKey),
        },
      },
      o,
    );
    const kubeconfig = new k8s.core.v1.ConfigMap(
      `${name}-deployments-kubeconfig`,
      {
        metadata: { name: "deployments-kubeconfig", namespace: args.namespace },
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
      PORT: String(PORTS.app),
      // Only the entrypoint sits behind the Gateway; the others see their callers directly.
      TRUSTED_PROXY_HOPS: "0",
      AMQP_URL: { secretKey: "AMQP_URL" },
      NAME_PREFIX: args.namePrefix,
      PREFETCH: "32",
      DELIVERY_LIMIT: "5",
    };
    const storage = { STORAGE_DRIVER: "gcs", DATA_DIR: "/tmp/data", GCS_BUCKET: args.bucket.name, GCS_API_ENDPOINT: undefined, STORAGE_RETRIES: "3" };
    const api = { API_TOKENS: undefined, API_TOKENS_FILE: `${TOKENS_DIR}/api-tokens`, OPERATOR_TOKEN: { secretKey: "OPERATOR_TOKEN" }, RATE_LIMIT_PER_SECOND: "200", MAX_PAGE_SIZE: "100" };
    const rateLimits = { RATE_LIMIT_BURST: "200", RATE_LIMIT_BURST_SECONDS: "10", AUTH_FAILURES_PER_WINDOW: "20", AUTH_FAILURE_WINDOW_SECONDS: "60" };
    const redis = { REDIS_URL: { secretKey: "REDIS_URL" }, REDIS_MODE: "cluster", REDIS_COMMAND_TIMEOUT_MS: "1000" };
    const yaml = { MAX_DOCUMENTS: "100", MAX_DEPTH: "32", MAX_ALIASES: "20" };
    const jobLimits = jobLimitsEnv(args.jobSizes);
    // The YAML Manager enforces the admission policy; the entrypoint's dry run must report the same.
    const admission = {
      ...jobLimits,
      ALLOWED_PRIORITY_CLASSES: undefined,
      ALLOWED_STORAGE_CLASSES: "standard-rwo,premium-rwo",
      ALLOWED_REGISTRIES: undefined,
      JOB_ACTIVE_DEADLINE_SECONDS: "86400",
      JOB_TTL_SECONDS_AFTER_FINISHED: "3600",
      QUEUE_CAPACITY: JSON.stringify(args.queueCapacity),
    };
    // Event streams, logs (saved ones from the bucket, live ones from the deployments cluster), manifests.
    const readApi = { APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: `${KUBECONFIG_DIR}/kubeconfig`, SSE_HEARTBEAT_SECONDS: "15", MAX_STREAMS: "1000" };
    // In the cloud webhooks go to public https endpoints only (checked at registration and on each connection).
    const webhookDestinations = { WEBHOOK_ALLOW_PRIVATE: "false" };
    // Only the two services that open webhook secrets get the key: the entrypoint seals a new or
    // rotated one, the status worker opens it to sign a delivery. The stack does not rotate the
    // key: WEBHOOK_SECRET_KEY_PREVIOUS (the old key during a rotation) stays unset here.
    const webhookSecrets = { WEBHOOK_SECRET_KEY: { secretKey: "WEBHOOK_SECRET_KEY" }, WEBHOOK_SECRET_KEY_PREVIOUS: undefined };
    this.env = {
      entrypoint: { ...common, TRUSTED_PROXY_HOPS: String(GATEWAY_PROXY_HOPS), ...storage, ...api, ...rateLimits, ...redis, ...yaml, ...admission, ...readApi, MAX_BODY_BYTES: String(1024 * 1024), MAX_FILES: "20", IDEMPOTENCY_TTL_SECONDS: "86400", CONFIRM_TIMEOUT_MS: "1000", SHED_TARGET_MS: "150", SHED_MAX_LAG_MS: "250", ...webhookDestinations, ...webhookSecrets },
      "yaml-manager": { ...common, ...storage, ...admission },
      "cluster-applier": {
        ...common,
        ...storage,
        APPLIER_TARGET: "kubernetes",
        KUBECONFIG_PATH: `${KUBECONFIG_DIR}/kubeconfig`,
        NAMESPACE_DELETE_TIMEOUT_SECONDS: "300",
        LOG_READER_USERS: pulumi.all(args.logReaders).apply((emails) => emails.join(",")),
        ...jobLimits,
        USAGE_CPU_CORE_HOUR_USD: String(args.usageRates.cpuCoreHourUsd),
        USAGE_MEMORY_GIB_HOUR_USD: String(args.usageRates.memoryGiBHourUsd),
        USAGE_GPU_HOUR_USD: String(args.usageRates.gpuHourUsd),
      },
      // It records events in Redis and delivers webhooks; it serves no API: no tokens, storage or cluster access.
      "status-worker": {
        ...common,
        ...redis,
        ...webhookDestinations,
        ...webhookSecrets,
        WEBHOOK_TIMEOUT_MS: "5000",
        WEBHOOK_MAX_RESPONSE_BYTES: String(64 * 1024),
        WEBHOOK_RETRY_DELAYS_MS: "1000,10000,60000,300000,1800000",
        WEBHOOK_CONCURRENCY_PER_ENDPOINT: "2",
      },
    };
    // The entrypoint reads the tokens file once at start (loadTokens): a tenant added or removed
    // changes the checksum, so its pods roll and the new file takes effect.
    const tokensChecksum = rolloutChecksum(tokens);
    const tokensVolume: MountedVolume = {
      name: "api-tokens",
      mountPath: TOKENS_DIR,
      volume: { name: "api-tokens", secret: { secretName: this.secret.metadata.name, items: [{ key: "api-tokens", path: "api-tokens" }] } },
      checksum: tokensChecksum,
    };
    const kube = { name: "kubeconfig", mountPath: KUBECONFIG_DIR, volume: { name: "kubeconfig", configMap: { name: kubeconfig.metadata.name } } };
    this.volumes = { entrypoint: [tokensVolume, kube], "status-worker": [], "cluster-applier": [kube], "yaml-manager": [] };
    this.registerOutputs({ secret: this.secret.metadata.name });
  }

  envOf(svc: ServiceName): k8s.types.input.core.v1.EnvVar[] {
    return toEnvVars(this.env[svc] as EnvSpec<ServiceName>, this.secret.metadata.name);
  }

  volumesOf(svc: ServiceName): MountedVolume[] {
    return this.volumes[svc];
  }
}
