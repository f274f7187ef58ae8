import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/test-stack";
import { offerLoad, waitAllFinal } from "./load";
import { redisAofOff, restartRedis } from "./servers";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_PER_SECOND: "100000" });
});
afterAll(async () => {
  await redisAofOff().catch(() => undefined);
  await stack?.cleanup();
});

describe("Redis restarts in the middle of sustained load", () => {
  it("When Redis goes away for seconds under 1,000 submissions, then every 202 reaches DONE with a consistent history, and outage requests get a fast 503", async () => {
    const load = offerLoad(stack.url, 1000, 150);
    await new Promise((r) => setTimeout(r, 2000));
    await restartRedis(2500);
    const outcomes = await load;

    const accepted = outcomes.filter((o) => o.status === 202).map((o) => o.id!);
    const refused = outcomes.filter((o) => o.status === 503);
    expect(outcomes.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((o) => o.retryAfter === "5")).toBe(true);
    expect(Math.max(...refused.map((o) => o.ms))).toBeLessThan(2000);

    const final = await waitAllFinal(stack.url, accepted, 120_000);
    expect(final.size).toBe(accepted.length);
    for (const job of final.values()) {
      expect(job.status).toBe("DONE");
      expect(job.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    }
  }, 240_000);
});
