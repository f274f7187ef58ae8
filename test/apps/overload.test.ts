import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INLINE_PARSE_MAX_CHARS, type JobView } from "../../apps/shared/contract";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

// Over the size parsed on the event loop (contract: small submissions skip the worker pool), so
// each submission takes a worker round trip and 200 of them really are in progress at once.
const CM = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: "${"x".repeat(INLINE_PARSE_MAX_CHARS + 4096)}"}\n`;
let stack: TestStack;

// As `npm start` runs (apps/local.ts): four services in one process, the event-loop-lag check
// off (their work is not the entrypoint's lag), the adaptive cap on writes in progress on.
beforeAll(async () => {
  stack = await startTestStack({ SHED_TARGET_MS: "150", SHED_MAX_LAG_MS: "0" });
});
afterAll(async () => {
  await stack?.cleanup();
});

describe("overload with the services in one process", () => {
  it("When far more submissions arrive at once than the cap admits, then the surplus gets 503 + Retry-After 1 at once and every 202 job runs", async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, () => postYaml(stack.url, CM)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    const refused = answers.filter((r) => r.status === 503);
    // The cap starts at 16 (DEFAULT_SHEDDER): 200 at once cannot all be let in.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.headers.get("retry-after") === "1")).toBe(true);
    expect(((await refused[0]!.json()) as { error: string }).error).toMatch(/at capacity \(concurrency limit\)/);
    const accepted = await Promise.all(answers.filter((r) => r.status === 202).map(async (r) => ((await r.json()) as JobView).id));
    expect(accepted.length).toBeGreaterThan(0);
    for (const id of accepted) await waitForStatus(stack.url, id, ["DONE"], 60_000);
  }, 120_000);
});
