import { Cluster, Redis } from "ioredis";
import type { Logger } from "../logging/logger";
import { backoffMs, type BackoffCurve } from "../runtime/backoff";
import { logRedisCircuitsTo } from "./redis-circuit";

/** Between reconnect attempts (the project's one curve); the jitter spreads replicas out after a Redis restart. */
export const REDIS_RECONNECT_BACKOFF: BackoffCurve = { firstMs: 100, maxMs: 2000, jitter: 0.2 };

export interface RedisOptions {
  mode?: "standalone" | "cluster";
  /** Every command is answered within this (ms) or rejected with "Command timed out" (ioredis `commandTimeout`). */
  commandTimeoutMs?: number;
}

/**
 * Requests fail fast while Redis is away (the HTTP caller gets a 503, a consumer holds its
 * message and retries) instead of queueing in memory without bound; the client reconnects
 * alone. A Redis that is connected but does not answer (a stalled primary, a partition that
 * drops packets) is bounded too: `commandTimeout` rejects each command that is not answered
 * in time. ioredis applies it to every command on the connection, blocking ones included, so
 * a blocking reader takes a connection of its own with its own bound (see
 * public-api/events/stream-tail.ts). A timed-out command stays in the connection's queue: if
 * Redis answers later, commands still run in the order they were sent, so an undo sent after
 * a timed-out write runs after it. In `cluster` mode the URL names any node; the client
 * discovers the others. Past the bound, each client role's calls go through a circuit breaker
 * (redis-circuit.ts) that stops sending them to a Redis that keeps not answering; the blocking
 * reader's connection has none (its read legitimately waits).
 */
export const createRedis = async (url: string, logger: Logger, opts: RedisOptions = {}): Promise<Redis> => {
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5000,
    commandTimeout: opts.commandTimeoutMs,
    retryStrategy: (times: number) => backoffMs(REDIS_RECONNECT_BACKOFF, times),
  };
  let client: Redis;
  if (opts.mode === "cluster") {
    const u = new URL(url);
    const cluster = new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: options.retryStrategy,
      redisOptions: { ...options, password: decodeURIComponent(u.password) || undefined },
    });
    // Same commands; all of a stack's keys share one hash slot, so scripts stay valid.
    client = cluster as unknown as Redis;
  } else {
    client = new Redis(url, options);
  }
  client.on("error", (err: Error) => logger.warn({ err: err.message }, "redis error"));
  logRedisCircuitsTo(logger);
  await client.connect();
  return client;
};
