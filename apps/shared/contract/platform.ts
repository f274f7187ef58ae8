/**
 * Numbers that more than one part of the platform must agree on: the ports of the hub's
 * services, the app's own port and paths, and shutdown timings. The apps, the firewall rules,
 * the Kubernetes Services, the chart values and the probes all read them from here, so a
 * changed port moves everywhere at once instead of silently opening the wrong one.
 */
export const PORTS = {
  /** RabbitMQ AMQP 0-9-1. */
  amqp: 5672,
  /** Fixed by the OT redis-operator (its redis-cluster chart has no server port); infra/ refuses another. */
  redis: 6379,
  /** Fixed by ECK (the `-es-http` Service); infra/ refuses another. */
  elasticsearch: 9200,
  /** Logstash's `http` input, where Fluent Bit's `http` output posts JSON. */
  logstashHttp: 8080,
  /** Prometheus' HTTP API, including the remote-write receiver: inside the hub only. */
  prometheus: 9090,
  /**
   * The hub's remote-write endpoint for other clusters: a mutual-TLS gateway in front of
   * Prometheus' 9090 (infra/platform-services/remote-write-gateway.ts).
   */
  remoteWrite: 9091,
  /** Every Management App service listens here in its pod (API, health, metrics). */
  app: 8080,
  /** The app's ClusterIP Services, which the Gateway and in-cluster callers use. */
  appService: 80,
} as const;

/**
 * The public API's path prefixes: the entrypoint authenticates and rate-limits these, and the
 * Gateway routes exactly these (and the console) from the internet. One list, so a new route
 * cannot be served but unreachable, or reachable without authentication.
 */
export const API_PATH_PREFIXES = ["/yaml", "/jobs", "/events", "/usage", "/queues", "/webhooks"] as const;
/** The operator's paths: routed by the Gateway too, authenticated by their own token (OPERATOR_TOKEN), never a tenant's. */
export const OPERATOR_PATH_PREFIXES = ["/admin"] as const;

export const PATHS = {
  health: "/healthz",
  ready: "/readyz",
  metrics: "/metrics",
  /** Prometheus' remote-write receiver (enabled with --web.enable-remote-write-receiver). */
  remoteWrite: "/api/v1/write",
} as const;

export const TIMINGS = {
  /** A service stops by itself this long after SIGTERM, even with work still in flight. */
  shutdownDeadlineMs: 25_000,
  /** On shutdown, requests in flight get this long to finish; then their connections are cut. */
  requestDrainMs: 5_000,
  /**
   * On shutdown, message handlers in flight get this long to finish; an unfinished one is not
   * acked, so the broker redelivers its message to another replica (nothing is lost).
   */
  messageDrainMs: 15_000,
  /** What Kubernetes allows before SIGKILL: the deadline plus a margin for the process to exit. */
  terminationGraceSeconds: 30,
  /**
   * An open Redis circuit (apps/shared/state/redis-circuit.ts) refuses calls at once for this
   * long, then lets one probe call through: its success closes the circuit, its failure opens it
   * again for as long. About two command bounds (REDIS_COMMAND_TIMEOUT_MS, 1 s in the cloud).
   */
  redisCircuitResetMs: 2_000,
} as const;

/** Calls of one Redis client role in a row that fail as "Redis down" (timeout, connection) before its circuit opens. */
export const REDIS_CIRCUIT_FAILURES = 3;

/**
 * The IAM permissions the GCS object store uses on the jobs bucket (put, get, exists, delete,
 * list, and the readiness check, which lists at most one object). infra/ grants a role that
 * holds all of them and refuses to build a stack that does not.
 */
export const STORAGE_PERMISSIONS = ["storage.objects.create", "storage.objects.get", "storage.objects.delete", "storage.objects.list"] as const;
