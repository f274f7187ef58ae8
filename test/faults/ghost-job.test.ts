import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { REDIS_URL } from "../support/test-stack";
import { startLoad, timeline, waitAllFinal, warmUp, type Outcome } from "./load";
import { spawnStack, type StackProcess } from "./stack-process";

/**
 * The contract a submitter relies on: a job never runs if its client was told it failed
 * (503), and a client that retries a 503 with the same Idempotency-Key gets exactly one job.
 * The entrypoint is made to lose track of its confirms under load, in the two ways that
 * happen: its process stalls (frozen with SIGSTOP, as a long event-loop stall does) while the
 * rest of the pipeline goes on, or confirms arrive after a (very short) confirm timeout.
 */
let stack: StackProcess | undefined;
afterEach(async () => {
  if (stack) process.kill(stack.pids.entrypoint, "SIGCONT");
  await stack?.cleanup();
  stack = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the pipeline did with each job, read from where it keeps it (not from the API). */
const pipelineRecords = async (s: StackProcess) => {
  const jobsDir = path.join(s.dataDir, "jobs");
  const ids = await readdir(jobsDir).catch(() => [] as string[]);
  const applied = new Set<string>();
  const fates = new Map<string, string>();
  for (const id of ids) {
    const fate = await readFile(path.join(jobsDir, id, "fate"), "utf8").catch(() => undefined);
    if (fate) fates.set(id, fate);
    if (await readFile(path.join(jobsDir, id, "dry-run", "applied.json")).then(() => true, () => false)) applied.add(id);
  }
  const redis = new Redis(REDIS_URL);
  const recorded = new Set(await redis.zrange(`{${s.prefix}}:tenant:default:jobs`, "0", "-1"));
  redis.disconnect();
  return { applied, fates, recorded };
};

const expectOneJobPerKey = async (s: StackProcess, outcomes: Outcome[], warm: string[]) => {
  console.info(`outcomes by sending time:\n${timeline(outcomes).join("\n")}`);
  expect(outcomes.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
  const accepted = outcomes.filter((o) => o.status === 202).map((o) => o.id!);
  // Every retried key got one job, not one per attempt.
  expect(new Set(accepted).size).toBe(accepted.length);
  const final = await waitAllFinal(s.url, accepted, 180_000);
  expect([...final.values()].filter((j) => j.status !== "DONE")).toEqual([]);
  expect(final.size).toBe(accepted.length);

  const { applied, fates, recorded } = await pipelineRecords(s);
  const told202 = new Set([...accepted, ...warm]);
  // Nothing ran, and no job is listed, that a client was not given with a 202...
  expect([...applied].filter((id) => !told202.has(id))).toEqual([]);
  expect([...recorded].filter((id) => !told202.has(id))).toEqual([]);
  expect(applied.size).toBe(told202.size);
  // ...and every withdrawn job stayed withdrawn (its client got the 503).
  const withdrawn = [...fates].filter(([, f]) => f === "withdrawn").map(([id]) => id);
  expect(withdrawn.filter((id) => applied.has(id) || told202.has(id))).toEqual([]);
  const retried = outcomes.filter((o) => (o.attempts ?? 1) > 1).length;
  console.info(`${accepted.length} keys accepted, ${retried} after retries, ${withdrawn.length} jobs withdrawn, ${outcomes.length - accepted.length} keys still refused`);
  return { withdrawn, retried };
};

describe.each(["one-process", "per-service"] as const)("the entrypoint loses track of its confirms under load (services: %s)", (layout) => {
  it("When the entrypoint is frozen for 5 s while its confirms are due and clients retry each 503 with the same Idempotency-Key, then each key gets exactly one job and no job runs whose client got a 503", async () => {
    stack = await spawnStack({ RATE_LIMIT_PER_SECOND: "100000" }, layout);
    const warm = await warmUp(stack.url);
    const load = startLoad(stack.url, 400, 50, { idempotencyKeyPrefix: "stall", retries: 60, timeoutMs: 30_000 });
    await load.started;
    await sleep(2000);
    process.kill(stack.pids.entrypoint, "SIGSTOP");
    await sleep(5000);
    process.kill(stack.pids.entrypoint, "SIGCONT");
    const outcomes = await load.done;
    await expectOneJobPerKey(stack, outcomes, warm);
  }, 400_000);

  it("When every confirm comes after the entrypoint's timeout (1 ms) under load, then withdrawals race the YAML Manager: each key still gets exactly one job and no withdrawn job runs", async () => {
    stack = await spawnStack({ RATE_LIMIT_PER_SECOND: "100000", CONFIRM_TIMEOUT_MS: "1" }, layout);
    // No warm-up: this test measures no latency, and with every confirm late most warm-up
    // submissions would be withdrawn (a warm-up of 10 jobs could take minutes).
    const warm: string[] = [];
    // 150 keys: with every confirm late nearly each submission runs the race, so more keys add
    // time (each is retried until the YAML Manager wins once), not coverage.
    const outcomes = await startLoad(stack.url, 150, 50, { idempotencyKeyPrefix: "late", retries: 60, timeoutMs: 30_000 }).done;
    const { withdrawn } = await expectOneJobPerKey(stack, outcomes, warm);
    // The race was run: some jobs were withdrawn (and the retries of their keys accepted).
    expect(withdrawn.length).toBeGreaterThan(0);
  }, 400_000);
});
