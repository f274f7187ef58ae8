import type { Redis } from "ioredis";
import { callRedis, stackKeyPrefix } from "./redis-errors";

/**
 * Idempotency-Key claims, per tenant: the first request with a key names its job here, and a
 * retry with the same key finds it (see public-api/jobs/submit-job.ts). Keys expire after a TTL.
 */
export class IdempotencyKeys {
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.p = stackKeyPrefix(prefix);
  }

  private key = (tenant: string, key: string) => `${this.p}tenant:${tenant}:idem:${key}`;

  /** First caller wins: returns null when the key is ours now, else the value it holds. */
  async claim(tenant: string, key: string, value: string, ttlSeconds: number): Promise<string | null> {
    const k = this.key(tenant, key);
    const ok = await callRedis(() => this.redis.set(k, value, "EX", ttlSeconds, "NX"));
    return ok === "OK" ? null : await callRedis(() => this.redis.get(k));
  }

  /** Give the key up, only if it still holds our value (a newer claim is left alone). */
  async release(tenant: string, key: string, value: string): Promise<void> {
    const k = this.key(tenant, key);
    if ((await callRedis(() => this.redis.get(k))) === value) await callRedis(() => this.redis.del(k));
  }
}
