import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSchema } from "../../apps/shared/admission/check-schema";
import { DryRunResult, MAX_PROBLEMS, MAX_PROBLEMS_BYTES, PROBLEMS_TRUNCATED_RULE, capProblems, type JobView, type Problem } from "../../apps/shared/contract";
import { REDIS_URL, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

/** A Pod with `n` containers that each break the schema (no name): n errors from one list. */
const podWithEmptyContainers = (n: number) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: Array.from({ length: n }, () => ({})) } });
const podYaml = (n: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n${"  - {}\n".repeat(n)}`;
const elapsed = async <T>(fn: () => T | Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
};
const truncated = (problems: Problem[]) => problems.find((p) => p.rule === PROBLEMS_TRUNCATED_RULE);

describe("admission does bounded work (issue 23, items 1 and 2)", () => {
  it("When a Pod has four times as many invalid containers, then the schema check takes less than eight times as long (linear, not quadratic)", () => {
    checkSchema(podWithEmptyContainers(2000)); // warm up the validators
    const time = (n: number) => {
      const pod = podWithEmptyContainers(n);
      const t = performance.now();
      const out = checkSchema(pod);
      return { out, ms: performance.now() - t };
    };
    const t1 = time(8000).ms;
    const { out, ms: t4 } = time(32000);
    // Quadratic (before): 8,000 → 0.2 s, 32,000 → 6 s (about 37x). Linear: about 4x.
    expect(t4 / t1).toBeLessThan(8);
    // And bounded: the check stops gathering after its cap and says so.
    expect(out.length).toBeLessThan(1100);
    expect(out.some((f) => /stopped after/.test(f.message))).toBe(true);
  });

  it("When problems are capped, then at most MAX_PROBLEMS are kept, within MAX_PROBLEMS_BYTES, and the last says how many more; capping again keeps the count", () => {
    const many: Problem[] = Array.from({ length: 5000 }, (_, i) => ({ path: `spec.containers[${i}]`, rule: "x", message: "m".repeat(i === 0 ? 100_000 : 10) }));
    const capped = capProblems(many);
    expect(capped.length).toBe(MAX_PROBLEMS + 1);
    expect(Buffer.byteLength(JSON.stringify(capped))).toBeLessThan(MAX_PROBLEMS_BYTES + 1024);
    expect(truncated(capped)!.message).toMatch(/^and 4900 more problems/);
    expect(capProblems(capped)).toEqual(capped);
  });
});

describe("dry runs and rejections of huge submissions (issue 23, items 1 and 2)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.cleanup());

  it("When a big dry run is checked, then /healthz keeps answering meanwhile, and the answer is capped", async () => {
    const body = podYaml(12_000); // about 85 KB: 12,000 schema errors
    // Warm up the pool (its workers load admission on first use).
    await fetch(`${stack.url}/yaml?dryRun=true`, { method: "POST", headers: { "content-type": "application/yaml" }, body: podYaml(1) });
    const probe = async () => (await elapsed(() => fetch(`${stack.url}/healthz`)))[1];
    const quiet = Math.max(await probe(), await probe(), await probe());
    let done = false;
    const during: number[] = [];
    const dry = elapsed(async () => {
      const res = await fetch(`${stack.url}/yaml?dryRun=true`, { method: "POST", headers: { "content-type": "application/yaml" }, body });
      const text = await res.text();
      done = true;
      return { status: res.status, text };
    });
    while (!done) during.push(await probe());
    const [{ status, text }, took] = await dry;
    expect(status).toBe(200);
    const result = DryRunResult.parse(JSON.parse(text));
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeLessThanOrEqual(MAX_PROBLEMS + 1);
    expect(truncated(result.problems)?.message).toMatch(/^and \d+ more problems/);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_PROBLEMS_BYTES + 4096);
    // Before: admission ran on the event loop and /healthz waited for all of it (9-11 s for 400 KB).
    expect(Math.max(...during)).toBeLessThan(Math.max(took / 4, quiet * 10));
  }, 60_000);

  it("When a submitted job has thousands of problems, then job.rejected, the job record and both event streams carry at most MAX_PROBLEMS and 'and N more'", async () => {
    const res = await fetch(`${stack.url}/yaml`, { method: "POST", headers: { "content-type": "application/yaml" }, body: podYaml(5000) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const job = (await waitForStatus(stack.url, id, ["REJECTED"], 30_000)) as JobView;
    expect(job.problems!.length).toBeLessThanOrEqual(MAX_PROBLEMS + 1);
    expect(truncated(job.problems!)?.message).toMatch(/^and \d+ more problems/);
    expect(job.reason).toMatch(/^\d{4,} problems in the manifests/);
    const redis = new Redis(REDIS_URL);
    try {
      for (const key of [`{${stack.prefix}}:events:job:${id}`, `{${stack.prefix}}:events:tenant:${job.tenant}`]) {
        const entries = (await redis.xrange(key, "-", "+")) as [string, string[]][];
        expect(entries.length).toBeGreaterThan(0);
        for (const [, fields] of entries) expect(Buffer.byteLength(fields.join(""))).toBeLessThan(2 * MAX_PROBLEMS_BYTES + 8192);
      }
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});
