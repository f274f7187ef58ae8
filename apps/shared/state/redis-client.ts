import { Redis } from "ioredis";
import type { Logger } from "../logging/logger";

/**
 * Requests fail fast while Redis is away (the HTTP caller gets a 503, a consumer retries the
 * message later) instead of queueing in memory without bound; the client reconnects alone.
 */
export const createRedis = async (url: string, logger: Logger): Promise<Redis> => {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  redis.on("error", (err: Error) => logger.warn({ err: err.message }, "redis error"));
  await redis.connect();
  return redis;
};
