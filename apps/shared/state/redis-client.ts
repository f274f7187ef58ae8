import { Cluster, Redis } from "ioredis";
import type { Logger } from "../logging/logger";

/**
 * Requests fail fast while Redis is away (the HTTP caller gets a 503, a consumer holds its
 * message and retries) instead of queueing in memory without bound; the client reconnects
 * alone. In `cluster` mode the URL names any node; the client discovers the others.
 */
export const createRedis = async (url: string, logger: Logger, mode: "standalone" | "cluster" = "standalone"): Promise<Redis> => {
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5000,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  let client: Redis;
  if (mode === "cluster") {
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
  await client.connect();
  return client;
};
