import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_URL, startTestStack, type TestStack } from "../support/test-stack";
import { offerLoad, waitAllFinal } from "./load";
import { canControlRabbit, startRabbit, stopRabbit } from "./servers";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_PER_SECOND: "100000" });
});
afterAll(async () => {
  await startRabbit().catch(() => undefined);
  await stack?.cleanup();
});

describe.runIf(canControlRabbit())("RabbitMQ restarts in the middle of sustained load", () => {
  it("When the broker goes away for seconds under 2,000 submissions, then every 202 reaches DONE once, outage requests get a fast 503, and services reconnect alone", async () => {
    const load = offerLoad(stack.url, 2000, 200);
    await new Promise((r) => setTimeout(r, 3000));
    await stopRabbit();
    await new Promise((r) => setTimeout(r, 3000));
    await startRabbit();
    const outcomes = await load;

    const accepted = outcomes.filter((o) => o.status === 202).map((o) => o.id!);
    const refused = outcomes.filter((o) => o.status === 503);
    // Every request was answered: accepted, or refused with advice; none hung, none 5xx'd otherwise.
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
    // No job exists that the clients were not told about (a 503 left nothing behind).
    const redis = new Redis(REDIS_URL);
    const all = await redis.zcard(`{${stack.prefix}}:tenant:default:jobs`);
    redis.disconnect();
    expect(all).toBe(accepted.length);
    // The services are back: a new job goes through.
    const after = await offerLoad(stack.url, 1, 1);
    expect(after[0]!.status).toBe(202);
  }, 240_000);
});
