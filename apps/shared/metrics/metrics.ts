import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * One registry per process. In local mode the four services share a process, so every
 * series carries a `service` label instead of relying on the scrape target.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequestSeconds = new Histogram({
  name: "http_request_duration_seconds",
  help: "HTTP request duration by route and status code",
  labelNames: ["service", "method", "route", "code"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const messagesConsumed = new Counter({
  name: "messages_consumed_total",
  help: "Messages handled by a consumer, by outcome (ack, retry, dead_letter)",
  labelNames: ["service", "queue", "type", "outcome"] as const,
  registers: [registry],
});

export const messagesPublished = new Counter({
  name: "messages_published_total",
  help: "Events published and confirmed by the broker",
  labelNames: ["service", "type"] as const,
  registers: [registry],
});

export const jobsSubmitted = new Counter({
  name: "jobs_submitted_total",
  help: "Jobs accepted with 202",
  registers: [registry],
});

export const jobTransitions = new Counter({
  name: "job_status_transitions_total",
  help: "Job status changes recorded by the status worker, by new status",
  labelNames: ["status"] as const,
  registers: [registry],
});

export const deadLetterMessages = new Gauge({
  name: "dead_letter_messages",
  help: "Messages waiting in a dead-letter queue (poison messages to inspect and re-drive)",
  labelNames: ["queue"] as const,
  registers: [registry],
});

export const requestsShed = new Counter({
  name: "http_requests_shed_total",
  help: "Requests refused with 503 at once because the service was at capacity, by reason",
  labelNames: ["reason"] as const,
  registers: [registry],
});

export const rateLimitDecisions = new Counter({
  name: "rate_limit_decisions_total",
  help: "Requests counted by a rate limiter (tenant: each authenticated API request once; auth_failures: each failed authentication), by outcome",
  labelNames: ["limiter", "outcome"] as const,
  registers: [registry],
});

export const redisTimeouts = new Counter({
  name: "redis_command_timeouts_total",
  help: "Redis calls given up after their bound (REDIS_COMMAND_TIMEOUT_MS) while connected: a Redis that does not answer. job_store: answered 503 or a held message; rate_limiter: counted in memory instead; event_tail: the live tail reconnects",
  labelNames: ["client"] as const,
  registers: [registry],
});

export const redisCircuitOpen = new Gauge({
  name: "redis_circuit_open",
  help: "1 while a Redis client role's circuit breaker is open (after REDIS_CIRCUIT_FAILURES timeouts or connection errors in a row): its calls are refused at once without touching Redis, and one probe goes through every TIMINGS.redisCircuitResetMs; 0 when closed. job_store: answered 503 or a held message; rate_limiter: counted in memory",
  labelNames: ["client"] as const,
  registers: [registry],
});

export const redisShortCircuits = new Counter({
  name: "redis_short_circuited_calls_total",
  help: "Redis calls refused by an open circuit breaker without being sent to Redis (see redis_circuit_open)",
  labelNames: ["client"] as const,
  registers: [registry],
});

export const queuePositionRefreshes = new Counter({
  name: "queue_position_refresh_total",
  help: "The applier's periodic refresh of queued jobs' positions, by step (visibility: one GET of Kueue's visibility API per ClusterQueue with queued jobs; publish: one job.workload per position that changed) and outcome (ok, error)",
  labelNames: ["step", "outcome"] as const,
  registers: [registry],
});
