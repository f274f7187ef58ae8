import { ReplyError, type Redis } from "ioredis";
import ipaddr from "ipaddr.js";
import { BurstyRateLimiter, RLWrapperTimeouts, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { rateLimitDecisions, redisTimeouts } from "../metrics/metrics";
import { RedisCircuit } from "../state/redis-circuit";
import { stackKeyPrefix } from "../state/redis-errors";

export interface RateLimitSettings {
  NAME_PREFIX: string;
  RATE_LIMIT_PER_SECOND: number;
  RATE_LIMIT_BURST: number;
  RATE_LIMIT_BURST_SECONDS: number;
  AUTH_FAILURES_PER_WINDOW: number;
  AUTH_FAILURE_WINDOW_SECONDS: number;
  /** Each limiter call is given up after this (ms) and answered by the in-memory limiter instead. */
  REDIS_COMMAND_TIMEOUT_MS: number;
}

/** Refused: how long until the caller may try again. */
export interface Refusal {
  retryAfterSeconds: number;
}

export interface RateLimits {
  /** Count one request of the tenant; a Refusal beyond its rate and burst. */
  tenantRequest(tenant: string): Promise<Refusal | undefined>;
  /** Whether this address already failed authentication too often in the current window. */
  authBlocked(address: string): Promise<Refusal | undefined>;
  /** Count one failed authentication of this address; a Refusal once it is over the limit. */
  authFailed(address: string): Promise<Refusal | undefined>;
}

/**
 * Rate limits shared by every replica through Redis, with rate-limiter-flexible 11.4.
 *
 * Algorithm: the library's Redis limiter is a fixed window that starts at a key's first request
 * (animir/node-rate-limiter-flexible@v11.4.0: lib/RateLimiterRedis.js, one Lua script sets the
 * key with its TTL if absent, then increments it), neither a sliding window nor a token bucket.
 * For the per-tenant limit its BurstyRateLimiter (lib/BurstyRateLimiter.js) adds a second, longer
 * window as a burst allowance: a request over the per-second window spends a point of the burst
 * window instead. The library's wiki offers it in place of a token bucket
 * (https://github.com/animir/node-rate-limiter-flexible/wiki/BurstyRateLimiter). docs/security.md, "Rate
 * limits", states what that allows at worst.
 *
 * Redis errors: each store limiter has an in-memory insurance limiter with the same numbers
 * (https://github.com/animir/node-rate-limiter-flexible/wiki/Insurance-Strategy), so while Redis
 * is away each process limits on its own instead of letting everything through or refusing
 * everyone. `rejectIfRedisNotReady` goes to it at once while the client is not connected
 * instead of waiting for an error. A Redis that is connected but does not answer is bounded by
 * the library's own timeout wrapper (RLWrapperTimeouts, lib/RLWrapperTimeouts.js: past
 * `timeoutMs` the call fails and the wrapper's insurance limiter answers), which holds the
 * insurance limiter; the Redis limiter inside has none, so a call that fails is counted in
 * memory once, not once by each. After a few such failures in a row the rate limiter's circuit
 * opens (state/redis-circuit.ts) and the insurance limiter answers at once, without waiting for
 * the bound, until a probe call gets an answer from Redis again.
 */
export const createRateLimits = (redis: Redis, s: RateLimitSettings): RateLimits => {
  // Under the stack's `{prefix}` hash tag, in the slot of its other keys (Redis Cluster).
  const store = (name: string, points: number, duration: number) => {
    const keyPrefix = `${stackKeyPrefix(s.NAME_PREFIX)}ratelimit:${name}`;
    const insuranceLimiter = new RateLimiterMemory({ keyPrefix, points, duration });
    const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, rejectIfRedisNotReady: true });
    return new CountedTimeouts({ limiter, timeoutMs: s.REDIS_COMMAND_TIMEOUT_MS, insuranceLimiter });
  };
  const perSecond = store("tenant", s.RATE_LIMIT_PER_SECOND, 1);
  const tenant = s.RATE_LIMIT_BURST > 0 ? new BurstyRateLimiter(perSecond, store("tenant-burst", s.RATE_LIMIT_BURST, s.RATE_LIMIT_BURST_SECONDS)) : perSecond;
  const failures = store("auth-failures", s.AUTH_FAILURES_PER_WINDOW, s.AUTH_FAILURE_WINDOW_SECONDS);

  const count = async (limiter: "tenant" | "auth_failures", consume: () => Promise<RateLimiterRes>): Promise<Refusal | undefined> => {
    try {
      await consume();
      rateLimitDecisions.inc({ limiter, outcome: "allowed" });
      return undefined;
    } catch (err) {
      // Anything but a refusal is a fault of ours (the insurance limiter answers for Redis).
      if (!(err instanceof RateLimiterRes)) throw err;
      rateLimitDecisions.inc({ limiter, outcome: "refused" });
      return refusal(err);
    }
  };
  return {
    tenantRequest: (t) => count("tenant", () => tenant.consume(t)),
    authFailed: (address) => count("auth_failures", () => failures.consume(addressKey(address))),
    authBlocked: async (address) => {
      const res = await failures.get(addressKey(address));
      return res && res.consumedPoints >= s.AUTH_FAILURES_PER_WINDOW ? refusal(res) : undefined;
    },
  };
};

/** The wrapper's own timeout ("Operation timed out") or ioredis's `commandTimeout` ("Command timed out"). */
const TIMED_OUT = /^(Operation|Command) timed out$/;
type ErrorHandler = (err: unknown, ...rest: unknown[]) => void;
type Run = (funcName: string, params: unknown[]) => Promise<unknown>;

/**
 * The rate limiter's circuit, one per process: after a few calls in a row given up or failed
 * for want of Redis, the limiter stops asking Redis and the in-memory limiter answers at once,
 * until a probe call gets an answer again. A refusal (RateLimiterRes) or a reply of Redis's
 * own is an answer, not an outage.
 */
const limiterCircuit = new RedisCircuit("rate_limiter", (err) => !(err instanceof RateLimiterRes) && !(err instanceof ReplyError));

/**
 * RLWrapperTimeouts that counts the calls it gave up on (redis_command_timeouts_total{client="rate_limiter"})
 * and runs each call (the wrapper's `_run`: the store limiter's call raced against `timeoutMs`)
 * behind the rate limiter's circuit. A call the open circuit refuses fails at once, so the
 * wrapper's insurance limiter answers it, as it does a timeout.
 */
class CountedTimeouts extends RLWrapperTimeouts {
  _run(funcName: string, params: unknown[]): Promise<unknown> {
    const run = (RLWrapperTimeouts.prototype as unknown as { _run: Run })._run;
    return limiterCircuit.execute(() => run.call(this, funcName, params));
  }

  _handleError(err: unknown, ...rest: unknown[]): void {
    if (err instanceof Error && TIMED_OUT.test(err.message)) redisTimeouts.inc({ client: "rate_limiter" });
    (RLWrapperTimeouts.prototype as unknown as { _handleError: ErrorHandler })._handleError.call(this, err, ...rest);
  }
}

const refusal = (res: RateLimiterRes): Refusal => ({ retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) });

/**
 * Whom failed authentications are counted against: an IPv4 address (also when written as
 * IPv4-mapped IPv6, as a dual-stack socket reports it), or an IPv6 address's /64, the block one
 * subscriber usually gets whole: counting single IPv6 addresses would let a guesser change
 * address at every try. Parsed with ipaddr.js (express's own, through proxy-addr).
 */
export const addressKey = (address: string): string => {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === "ipv4") return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(":")}::/64`;
};
