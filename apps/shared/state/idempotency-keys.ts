import type { Redis } from "ioredis";
import { callRedis, stackKeyPrefix } from "./redis-errors";

/**
 * Redis script: delete a key only while it holds the given value, in one step, so a claim
 * another request made meanwhile is never deleted by mistake (a GET then a DEL could).
 * KEYS[1] the key; ARGV[1] the value the caller holds. Returns 1 deleted, 0 left alone.
 */
export const RELEASE_IF_HELD_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type WithRelease = Redis & { releaseIfHeld(key: string, value: string): Promise<number> };

/**
 * Idempotency-Key claims, per tenant: the first request with a key names its job here, and a
 * retry with the same key finds it (see public-api/jobs/submit-job.ts). Keys expire after a TTL.
 */
export class IdempotencyKeys {
  private readonly p: string;
  private readonly redis: WithRelease;

  constructor(redis: Redis, prefix: string) {
    this.p = stackKeyPrefix(prefix);
    redis.defineCommand("releaseIfHeld", { numberOfKeys: 1, lua: RELEASE_IF_HELD_LUA });
    this.redis = redis as WithRelease;
  }

  private key = (tenant: string, key: string) => `${this.p}tenant:${tenant}:idem:${key}`;

  /** First caller wins: returns null when the key is ours now, else the value it holds. */
  async claim(tenant: string, key: string, value: string, ttlSeconds: number): Promise<string | null> {
    const k = this.key(tenant, key);
    const ok = await callRedis(() => this.redis.set(k, value, "EX", ttlSeconds, "NX"));
    return ok === "OK" ? null : await callRedis(() => this.redis.get(k));
  }

  /** Give the key up, only if it still holds our value (a newer claim is left alone): one atomic compare-and-delete. */
  async release(tenant: string, key: string, value: string): Promise<boolean> {
    return (await callRedis(() => this.redis.releaseIfHeld(this.key(tenant, key), value))) === 1;
  }
}
