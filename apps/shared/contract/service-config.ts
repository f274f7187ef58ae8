import { z } from "zod";
import { QueueCapacity } from "./queues";
import { TargetKind } from "./job";
import { PATHS, PORTS } from "./platform";
import { DEFAULT_DELIVERY_LIMIT } from "./topology";
import { WEBHOOK_SECRET_KEY_BYTES } from "./webhooks";

/**
 * Environment of each service, as one schema per service. The services parse process.env
 * with it once at start-up; infra/ types each Deployment's env with `ServiceEnvInput<...>`,
 * so a variable added here and forgotten there fails to compile.
 */
const int = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);

const LogEnv = z.object({
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

const HttpEnv = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(PORTS.app),
  /**
   * Proxies in front of us that append to X-Forwarded-For, counting the one whose connection we
   * see (express's numeric `trust proxy`). The client address is the entry they added; anything
   * further left was written by the client and is never believed. 0: no proxy, the socket's peer.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
});

const MessagingEnv = z.object({
  AMQP_URL: z.url().default(`amqp://guest:guest@127.0.0.1:${PORTS.amqp}`),
  /** Prefix of exchange, queue and Redis key names; lets stacks and test runs share servers. */
  NAME_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and '-'")
    .default("cp"),
  PREFETCH: int(32),
  DELIVERY_LIMIT: int(DEFAULT_DELIVERY_LIMIT),
});

const RedisEnv = z.object({
  REDIS_URL: z.url().default(`redis://127.0.0.1:${PORTS.redis}`),
  /** `cluster` in the cloud (Redis Cluster behind one address); `standalone` locally. */
  REDIS_MODE: z.enum(["standalone", "cluster"]).default("standalone"),
  /**
   * Every Redis command is answered within this (ms) or fails as "Redis unavailable" (a 503 with
   * Retry-After, a held message): a Redis that stops answering without closing the connection
   * must not hang requests. The live event tail's blocking read gets its block time on top.
   */
  REDIS_COMMAND_TIMEOUT_MS: int(1000, 10),
});

const StorageEnv = z.object({
  STORAGE_DRIVER: z.enum(["fs", "gcs"]).default("fs"),
  DATA_DIR: z.string().min(1).default("./data"),
  GCS_BUCKET: z.string().optional(),
  /** Only for tests and emulators; production talks to Google's endpoint. */
  GCS_API_ENDPOINT: z.url().optional(),
  STORAGE_RETRIES: int(3, 0),
});

/**
 * Where webhooks may point. Off (the default): https only, and never a private, loopback or
 * link-local address (checked when registered and again on the address each delivery connects
 * to). On: for a local run, where the receiver is on this machine.
 */
const WebhookDestinationEnv = z.object({
  WEBHOOK_ALLOW_PRIVATE: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
});

/** Standard base64 (with its padding) of exactly `bytes` bytes. */
const base64Of = (bytes: number) => {
  const chars = Math.ceil((bytes * 4) / 3);
  return new RegExp(`^[A-Za-z0-9+/]{${chars}}={${(4 - (chars % 4)) % 4}}$`);
};
const KEY_HINT = `base64 of ${WEBHOOK_SECRET_KEY_BYTES} random bytes, e.g. \`openssl rand -base64 ${WEBHOOK_SECRET_KEY_BYTES}\``;

/**
 * The key webhook signing secrets are encrypted with in Redis (AES-256-GCM,
 * apps/shared/webhooks/secret-box.ts): the entrypoint encrypts a secret when it is created or
 * rotated, the status worker decrypts it to sign a delivery. No default: the Pulumi program
 * generates one per stack, `npm start` keeps one in DATA_DIR, each test stack makes its own.
 * During a key rotation WEBHOOK_SECRET_KEY_PREVIOUS holds the old key (decrypt only).
 * The messages never repeat the value.
 */
const WebhookSecretKeyEnv = z.object({
  // An absent key is parsed as "" (prefault), so its issue is reported with every other one.
  WEBHOOK_SECRET_KEY: z
    .string()
    .trim()
    .regex(base64Of(WEBHOOK_SECRET_KEY_BYTES), { error: (issue) => (issue.input ? `not a key: want ${KEY_HINT}` : `required: ${KEY_HINT}`) })
    .prefault(""),
  // Optional: the key before a rotation (docs/operator-guide.md). Secrets it opens are read and
  // re-encrypted under WEBHOOK_SECRET_KEY; nothing is ever encrypted with it. Empty: none.
  WEBHOOK_SECRET_KEY_PREVIOUS: z
    .string()
    .trim()
    .refine((v) => v === "" || base64Of(WEBHOOK_SECRET_KEY_BYTES).test(v), { error: `not a key: want ${KEY_HINT} (the key before WEBHOOK_SECRET_KEY), or leave it unset` })
    .optional()
    .transform((v) => v || undefined),
});

/** Limits on untrusted YAML, enforced where it is parsed (once, in the entrypoint). */
const YamlEnv = z.object({
  MAX_DOCUMENTS: int(100),
  MAX_DEPTH: int(32),
  MAX_ALIASES: int(20, 0),
});

/** Who may call the API. Tokens map to tenants; a tenant sees only its own jobs. */
const ApiAuthEnv = z.object({
  /** `tenant:token` pairs, comma-separated. Prefer API_TOKENS_FILE (a mounted Secret) in a cluster. */
  API_TOKENS: z.string().default(""),
  /** A file with one `tenant:token` per line. */
  API_TOKENS_FILE: z.string().default(""),
  /** The operator's token for GET /admin/activity (never a tenant's); empty: that view is off. */
  OPERATOR_TOKEN: z.string().default(""),
  /** Requests per second per tenant before 429 (the steady rate). */
  RATE_LIMIT_PER_SECOND: int(200),
  /** Requests a tenant may make beyond that rate, refilled every RATE_LIMIT_BURST_SECONDS; 0: none. */
  RATE_LIMIT_BURST: int(200, 0),
  RATE_LIMIT_BURST_SECONDS: int(10),
  /** Failed authentications per client address within the window; beyond, the address gets 429 until the window ends. */
  AUTH_FAILURES_PER_WINDOW: int(20),
  AUTH_FAILURE_WINDOW_SECONDS: int(60),
});

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
const requireTokensOffLoopback = (v: { HOST: string; API_TOKENS: string; API_TOKENS_FILE: string }, ctx: z.RefinementCtx) => {
  if (!LOOPBACK.has(v.HOST) && !v.API_TOKENS && !v.API_TOKENS_FILE) {
    ctx.addIssue({ code: "custom", path: ["API_TOKENS"], message: `required when HOST (${v.HOST}) is not loopback: set API_TOKENS or API_TOKENS_FILE` });
  }
};

const requireBucket = <T extends { STORAGE_DRIVER: string; GCS_BUCKET?: string | undefined }>(
  v: T,
  ctx: z.RefinementCtx,
) => {
  if (v.STORAGE_DRIVER === "gcs" && !v.GCS_BUCKET) {
    ctx.addIssue({ code: "custom", path: ["GCS_BUCKET"], message: "required when STORAGE_DRIVER=gcs" });
  }
};

const commaList = z
  .string()
  .default("")
  .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));

const quantity = (def: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, "a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi")
    .default(def);

/**
 * What every job namespace gets: quota, default and maximum container sizes, allowed egress.
 * One schema for both sides: the Cluster Applier installs these numbers as the namespace's
 * ResourceQuota and LimitRange, and the YAML Manager refuses at submit what they would refuse
 * in the cluster (infra/ passes the same values to both, their CPU and memory derived from the
 * tenants' quotas and the job pools' machines: infra/config/job-limits.ts). The defaults are for
 * the local run and tests.
 */
const IsolationEnv = z.object({
  JOB_QUOTA_CPU: quantity("8"),
  JOB_QUOTA_MEMORY: quantity("32Gi"),
  JOB_QUOTA_PODS: int(50),
  JOB_QUOTA_STORAGE: quantity("100Gi"),
  JOB_QUOTA_OBJECTS: int(50),
  JOB_DEFAULT_CPU: quantity("500m"),
  JOB_DEFAULT_MEMORY: quantity("512Mi"),
  JOB_MAX_CPU: quantity("4"),
  JOB_MAX_MEMORY: quantity("16Gi"),
  /** Extra egress allowed from job pods besides DNS, as `cidr:port` pairs, comma-separated. */
  JOB_EGRESS_ALLOW: commaList.transform((pairs, ctx) =>
      pairs
        .map((pair) => {
          const m = /^(\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}):(\d{1,5})$/.exec(pair);
          if (!m) ctx.addIssue({ code: "custom", message: `"${pair}" is not cidr:port, e.g. 10.16.0.0/16:9200` });
          return { cidr: m?.[1] ?? "", port: Number(m?.[2] ?? 0) };
        }),
    ),
});

/** A price in USD (0 means unpriced: the estimate then leaves that resource out). */
const usd = z.coerce.number().min(0, "a price in USD, 0 or more").default(0);

/** Admission policy: the YAML Manager enforces it; the entrypoint's dry run reports it. */
const AdmissionEnv = z.object({
  /** Image prefixes jobs may use, comma-separated (e.g. `europe-docker.pkg.dev/acme/,docker.io/library/`); empty allows any. */
  ALLOWED_REGISTRIES: commaList,
  /** Defaults given to Jobs that do not set their own. */
  JOB_ACTIVE_DEADLINE_SECONDS: int(24 * 3600),
  JOB_TTL_SECONDS_AFTER_FINISHED: int(3600, 0),
  /** PriorityClasses jobs may name, comma-separated; empty allows none (system-* never). */
  ALLOWED_PRIORITY_CLASSES: commaList,
  /** StorageClasses PVCs may name, comma-separated (no name means the cluster's default). */
  ALLOWED_STORAGE_CLASSES: z
    .string()
    .default("standard-rwo,premium-rwo")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
  /** What the stack's Kueue queues can ever admit (JSON of QueueCapacity, set by infra/); empty: not checked. */
  QUEUE_CAPACITY: z
    .string()
    .default("")
    .transform((s, ctx) => {
      if (!s.trim()) return undefined;
      try {
        return QueueCapacity.parse(JSON.parse(s));
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `not a queue capacity (JSON from infra/): ${(err as Error).message.split("\n")[0]}` });
        return undefined;
      }
    }),
}).extend(IsolationEnv.shape);

/** Event streams, logs and manifests: part of the public API, which the entrypoint serves (the Gateway routes by path only). */
const ReadApiEnv = z.object({
  /** Where jobs run: live logs are read from `kubernetes` only. */
  APPLIER_TARGET: TargetKind.default("dry-run"),
  /** kubeconfig of the deployments cluster (read pods and their logs); empty means in-cluster. */
  KUBECONFIG_PATH: z.string().default(""),
  /** A comment line this often keeps proxies from closing an idle event stream. */
  SSE_HEARTBEAT_SECONDS: int(15),
  /** Open event and followed log streams per process; more get 503 (each holds a socket and a subscription). */
  MAX_STREAMS: int(1000),
});

export const EntrypointEnv = LogEnv.extend(HttpEnv.shape)
  .extend(MessagingEnv.shape)
  .extend(RedisEnv.shape)
  .extend(StorageEnv.shape)
  .extend(YamlEnv.shape)
  .extend(ApiAuthEnv.shape)
  .extend({
    /** How long a submission waits for the broker's confirm before the job is withdrawn (503) or found taken. */
    CONFIRM_TIMEOUT_MS: int(1000),
    /**
     * Load shedding, part 1: writes are refused (503) beyond an adaptive cap on writes in
     * progress, which shrinks while answers take longer than this budget (ms). 0 turns it off
     * (the in-process tests, which share vitest's worker).
     */
    SHED_TARGET_MS: int(150, 0),
    /**
     * Load shedding, part 2: writes are refused while the event loop lags more than this (ms).
     * 0 turns it off: meant for a process that hosts the entrypoint alone; where several
     * services share one process (npm start) their own work would read as overload.
     */
    SHED_MAX_LAG_MS: int(250, 0),
    MAX_BODY_BYTES: int(1024 * 1024),
    MAX_FILES: int(20),
    IDEMPOTENCY_TTL_SECONDS: int(24 * 3600),
    /** The entrypoint also serves the read side of the API (the Gateway routes by path only). */
    MAX_PAGE_SIZE: int(100),
  })
  // The dry run (POST /yaml?dryRun=true) admits in the entrypoint with the YAML Manager's policy.
  .extend(AdmissionEnv.shape)
  .extend(ReadApiEnv.shape)
  .extend(WebhookDestinationEnv.shape)
  .extend(WebhookSecretKeyEnv.shape)
  .superRefine(requireBucket)
  .superRefine(requireTokensOffLoopback);


export const YamlManagerEnv = LogEnv.extend(HttpEnv.shape)
  .extend(MessagingEnv.shape)
  .extend(StorageEnv.shape)
  .extend(AdmissionEnv.shape)
  .superRefine(requireBucket);

export const ClusterApplierEnv = LogEnv.extend(HttpEnv.shape)
  .extend(MessagingEnv.shape)
  .extend(StorageEnv.shape)
  .extend(IsolationEnv.shape)
  .extend({
    APPLIER_TARGET: TargetKind.default("dry-run"),
    /** kubeconfig of the deployments cluster; empty means the pod's in-cluster service account. */
    KUBECONFIG_PATH: z.string().default(""),
    NAMESPACE_DELETE_TIMEOUT_SECONDS: int(300),
    /**
     * Who may read job pods' logs (the read API's identities), as the deployments cluster's
     * RBAC names them, comma-separated: GKE presents a Google service account as the User named
     * by its email. The applier binds LOG_READER_ACCESS to them in each job namespace; empty
     * binds nobody (live logs then cannot be read).
     */
    LOG_READER_USERS: commaList.transform((users, ctx) =>
        users
          .map((user) => {
            if (/\s/.test(user)) ctx.addIssue({ code: "custom", message: `"${user}" is not a username (no spaces), e.g. entrypoint@my-project.iam.gserviceaccount.com` });
            return user;
          }),
      ),
    /** Prices of a deployments node's core, GiB and GPU per hour for job usage (infra sets them from infra/cost/prices.ts). */
    USAGE_CPU_CORE_HOUR_USD: usd,
    USAGE_MEMORY_GIB_HOUR_USD: usd,
    USAGE_GPU_HOUR_USD: usd,
  })
  .superRefine(requireBucket);

/** The status worker records events in Redis; it serves no API (the entrypoint serves all of it). */
export const StatusWorkerEnv = LogEnv.extend(HttpEnv.shape)
  .extend(MessagingEnv.shape)
  .extend(RedisEnv.shape)
  .extend(WebhookDestinationEnv.shape)
  .extend(WebhookSecretKeyEnv.shape)
  .extend({
    /** Each webhook delivery: how long the receiver has to answer (ms). */
    WEBHOOK_TIMEOUT_MS: int(5000),
    /** At most this much of a receiver's answer is read. */
    WEBHOOK_MAX_RESPONSE_BYTES: int(64 * 1024),
    /** Delays before each retry of a failed delivery (ms, comma-separated); after the last, the DLQ. */
    WEBHOOK_RETRY_DELAYS_MS: z
      .string()
      .default("1000,10000,60000,300000,1800000")
      .transform((s, ctx) => {
        const delays = s.split(",").map((x) => Number(x.trim()));
        if (delays.length === 0 || delays.some((d) => !Number.isInteger(d) || d < 1)) ctx.addIssue({ code: "custom", message: "whole milliseconds, comma-separated, e.g. 1000,10000,60000" });
        return delays;
      }),
    /** Deliveries to one webhook in flight at once per worker: a slow or dead receiver holds no more of the worker than this. */
    WEBHOOK_CONCURRENCY_PER_ENDPOINT: int(2),
  });

export const yamlLimitsOf = (env: z.output<typeof YamlEnv>) => ({
  maxDocuments: env.MAX_DOCUMENTS,
  maxDepth: env.MAX_DEPTH,
  maxAliases: env.MAX_ALIASES,
});

export const SERVICE_ENV = {
  entrypoint: EntrypointEnv,
  "yaml-manager": YamlManagerEnv,
  "cluster-applier": ClusterApplierEnv,
  "status-worker": StatusWorkerEnv,
} as const;
export type ServiceName = keyof typeof SERVICE_ENV;
export const SERVICE_NAMES = Object.keys(SERVICE_ENV) as ServiceName[];

export type ServiceEnv<S extends ServiceName> = z.output<(typeof SERVICE_ENV)[S]>;
/**
 * What a deployment must decide: every key of the service's schema, as a string, or
 * `undefined` to leave it unset on purpose. A key added to a schema and forgotten in infra/
 * is a compile error there.
 */
export type ServiceEnvInput<S extends ServiceName> = {
  [K in keyof ServiceEnv<S>]-?: string | undefined;
};

/** The one HTTP port every service listens on in a pod (health, readiness, metrics, API). */
export const CONTAINER_PORT = PORTS.app;
export const HEALTH_PATH = PATHS.health;
export const READY_PATH = PATHS.ready;
export const METRICS_PATH = PATHS.metrics;
