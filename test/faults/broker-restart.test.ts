import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_URL } from "../support/test-stack";
import { expectOutageRidden, offerLoad, startLoad, warmUp } from "./load";
import { canControlRabbit, startRabbit, stopRabbit } from "./servers";
import { spawnStack, type StackProcess } from "./stack-process";

let stack: StackProcess;
beforeAll(async () => {
  stack = await spawnStack({ RATE_LIMIT_PER_SECOND: "100000" });
});
afterAll(async () => {
  await startRabbit().catch(() => undefined);
  await stack?.cleanup();
});

describe.runIf(canControlRabbit())("RabbitMQ restarts in the middle of sustained load", () => {
  it("When the broker goes away for seconds under 2,000 submissions, then every 202 reaches DONE once, outage requests get a fast 503, and services reconnect alone", async () => {
    const warm = await warmUp(stack.url);
    const load = startLoad(stack.url, 2000, 200);
    await load.started;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const from = performance.now() - t0;
    await stopRabbit();
    await new Promise((r) => setTimeout(r, 3000));
    await startRabbit();
    // The services reconnect within their backoff (at most 5 s) after the broker is back.
    const to = performance.now() - t0 + 5000;
    const outcomes = await load.done;

    const accepted = await expectOutageRidden(stack.url, outcomes, { from, to });
    // No job exists that the clients were not told about (a 503 left nothing behind).
    const redis = new Redis(REDIS_URL);
    const all = await redis.zcard(`{${stack.prefix}}:tenant:default:jobs`);
    redis.disconnect();
    expect(all).toBe(accepted.length + warm.length);
    // The services are back: a new job goes through.
    const after = await offerLoad(stack.url, 1, 1);
    expect(after[0]!.status).toBe(202);
  }, 240_000);
});
