import { afterAll, beforeAll, describe, it } from "vitest";
import { startTestStack, type TestStack } from "../support/test-stack";
import { expectOutageRidden, offerLoad } from "./load";
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

    await expectOutageRidden(stack.url, outcomes);
  }, 240_000);
});
