import { describe, expect, it } from "vitest";
import { createLogger } from "../../apps/shared/logging/logger";
import { backoffMs } from "../../apps/shared/runtime/backoff";
import { REDIS_RECONNECT_BACKOFF, createRedis } from "../../apps/shared/state/redis-client";
import { REDIS_URL } from "../support/test-stack";

describe("the one backoff curve", () => {
  it("When attempts go on, then the delay doubles from the first and stays at the cap", () => {
    const curve = { firstMs: 100, maxMs: 2000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(curve, a))).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it("When a caller sets its own factor and bounds, then they are kept", () => {
    expect([1, 2, 3].map((a) => backoffMs({ firstMs: 1000, maxMs: 15_000, factor: 3 }, a))).toEqual([1000, 3000, 9000]);
    expect(backoffMs({ firstMs: 1000, maxMs: 15_000, factor: 3 }, 4)).toBe(15_000);
  });

  it("When the attempt is zero or below, then the first delay is used", () => {
    expect(backoffMs({ firstMs: 200, maxMs: 5000 }, 0)).toBe(200);
  });

  it("When jitter is set, then delays spread below the curve and never above the cap", () => {
    const curve = { firstMs: 200, maxMs: 5000, jitter: 0.2 };
    expect(backoffMs(curve, 1, () => 0)).toBe(200);
    expect(backoffMs(curve, 1, () => 1)).toBe(160);
    expect(backoffMs(curve, 10, () => 0.5)).toBe(4500);
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(curve, 20);
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(5000);
    }
  });

  it("When the Redis client reconnects, then its delays follow the one curve (exponential, capped, jittered below), not a curve of its own", async () => {
    const redis = await createRedis(REDIS_URL, createLogger("test", "silent"));
    try {
      const strategy = redis.options.retryStrategy!;
      for (let attempt = 1; attempt <= 10; attempt++) {
        const exact = backoffMs({ ...REDIS_RECONNECT_BACKOFF, jitter: 0 }, attempt);
        const d = strategy(attempt) as number;
        expect(d).toBeLessThanOrEqual(exact);
        expect(d).toBeGreaterThanOrEqual(exact * (1 - REDIS_RECONNECT_BACKOFF.jitter!));
      }
    } finally {
      redis.disconnect();
    }
  });
});
