import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { freePort } from "../support/service-process";
import { expectOutageRidden, startLoad, warmUp } from "./load";
import { startPrivateRedis, type PrivateRedis } from "./servers";
import { spawnStack, type StackProcess } from "./stack-process";

let stack: StackProcess;
let redis: PrivateRedis;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cp-redis-"));
  redis = await startPrivateRedis(await freePort(), dir);
  stack = await spawnStack({ REDIS_URL: redis.url, RATE_LIMIT_PER_SECOND: "100000" });
});
afterAll(async () => {
  await stack?.cleanup();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("Redis restarts in the middle of sustained load", () => {
  it("When Redis goes away for seconds under 1,000 submissions, then every 202 reaches DONE with a consistent history, and outage requests get a fast 503", async () => {
    await warmUp(stack.url);
    const load = startLoad(stack.url, 1000, 150);
    await load.started;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const from = performance.now() - t0;
    await redis.restart(2500);
    // ioredis retries at most every 2 s (redis-client.ts).
    const to = performance.now() - t0 + 2000;
    const outcomes = await load.done;
    await expectOutageRidden(stack.url, outcomes, { from, to });
  }, 240_000);
});
