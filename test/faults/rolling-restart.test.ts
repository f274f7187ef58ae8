import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_NAMES, type ServiceName } from "../../apps/shared/contract";
import { REDIS_URL } from "../support/test-stack";
import { historyComplete, startLoad, timeline, waitAllFinal, warmUp } from "./load";
import { spawnStack, type StackProcess } from "./stack-process";

/**
 * A rolling restart, as `kubectl rollout restart` does it to each Deployment: every service in
 * turn gets SIGTERM, drains, exits, and a new process takes its place (same address, as behind
 * its Service) before the next one goes. Clients keep submitting with Idempotency-Keys and
 * retry what was refused (503), in progress (409) or unanswered (the entrypoint away).
 */
let stack: StackProcess;
beforeAll(async () => {
  stack = await spawnStack({ RATE_LIMIT_PER_SECOND: "100000" }, "per-service");
});
afterAll(async () => {
  await stack?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RATE = 10;

/** The jobs the pipeline applied (the dry-run target's record of each), read from its storage. */
const appliedJobs = async (dataDir: string) => {
  const ids = await readdir(path.join(dataDir, "jobs")).catch(() => [] as string[]);
  const applied = await Promise.all(ids.map((id) => stat(path.join(dataDir, "jobs", id, "dry-run", "applied.json")).then(() => id, () => undefined)));
  return applied.filter((id): id is string => id !== undefined);
};

describe("every service is restarted in turn under load", () => {
  it("When each of the four services gets SIGTERM in turn under steady load, then each exits 0, and every key gets exactly one job, DONE with its whole history", async () => {
    const t0 = performance.now();
    const warm = await warmUp(stack.url);
    // Retries for as long as a restart can take on a busy machine (the entrypoint's included).
    // Polite retries (Retry-After, else backoff), or the clients refused while the entrypoint
    // restarts come back all at once and are shed again, for longer than the restart. Patient
    // ones: on a starved machine the entrypoint sheds most writes (its answers take longer
    // than SHED_TARGET_MS), which is not what this test is about.
    const load = startLoad(stack.url, RATE * 180, RATE, { idempotencyKeyPrefix: "roll", retries: 300, retryOn: [503, 409, 0], backoff: "polite" });
    await load.started;
    const loadAt = performance.now();
    await sleep(2000);

    const restarts: { name: ServiceName; code: number | null; from: number; exitedAt: number; to: number }[] = [];
    for (const name of SERVICE_NAMES) {
      const from = performance.now() - loadAt;
      const code = await stack.kill(name, "SIGTERM");
      const exitedAt = performance.now() - loadAt;
      await stack.start(name);
      restarts.push({ name, code, from, exitedAt, to: performance.now() - loadAt });
      // Progress as it happens (a run that times out says how far it got).
      console.error(`${name}: SIGTERM at ${Math.round(from)} ms, exit ${code} at ${Math.round(exitedAt)} ms, ready at ${Math.round(performance.now() - loadAt)} ms`);
      await sleep(1000);
    }
    load.stop();
    const outcomes = await load.done;
    console.info(`outcomes by sending time:\n${timeline(outcomes).join("\n")}`);
    console.info(`restarts (ms of load time): ${restarts.map((r) => `${r.name} ${Math.round(r.from)}-${Math.round(r.exitedAt)} (exit ${r.code})-${Math.round(r.to)} ready`).join("; ")}`);
    // Every process drained and exited by itself, with 0.
    expect(restarts.map((r) => [r.name, r.code])).toEqual(SERVICE_NAMES.map((n) => [n, 0]));
    // The restarts happened under load: submissions went out before, during and after each.
    for (const r of restarts) expect(outcomes.filter((o) => o.sentAt >= r.from && o.sentAt <= r.to).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.sentAt > restarts.at(-1)!.to).length).toBeGreaterThan(0);

    // Zero lost: every key was accepted in the end, and every accepted job is DONE.
    expect(outcomes.filter((o) => o.status !== 202).map((o) => `${o.status} after ${o.attempts} attempts (${(o.tried ?? []).join(",")}) at ${Math.round(o.sentAt)} ms: ${o.error ?? ""}`)).toEqual([]);
    const accepted = outcomes.map((o) => o.id!);
    const final = await waitAllFinal(stack.url, accepted, 60_000, historyComplete);
    expect(accepted.filter((id) => !final.has(id))).toEqual([]);
    const wrong = [...final.values()].filter((j) => j.status !== "DONE" || j.history.map((h) => h.status).join(">") !== "PENDING>APPLYING_IN_CLUSTER>DONE");
    expect(wrong.map((j) => `${j.id}: ${j.history.map((h) => h.status).join(">")}`)).toEqual([]);

    // Zero duplicated: one job per key, and no job exists (or ran) that no client was given.
    expect(new Set(accepted).size).toBe(accepted.length);
    const redis = new Redis(REDIS_URL);
    const recorded = await redis.zrange(`{${stack.prefix}}:tenant:default:jobs`, "0", "-1");
    redis.disconnect();
    const told = new Set([...accepted, ...warm]);
    expect(recorded.filter((id) => !told.has(id))).toEqual([]);
    expect(recorded.length).toBe(told.size);
    expect((await appliedJobs(stack.dataDir)).sort()).toEqual([...told].sort());

    // The restarted processes stop cleanly too.
    expect(await stack.stop()).toBe(0);
    const retried = outcomes.filter((o) => (o.attempts ?? 1) > 1);
    const why = new Map<number, number>();
    for (const o of retried) for (const s of o.tried ?? []) why.set(s, (why.get(s) ?? 0) + 1);
    console.info(`retried answers: ${[...why].map(([s, n]) => `${s}x${n}`).join(" ")}`);
    console.info(`${accepted.length} keys, ${retried.length} accepted after retries (most attempts ${Math.max(...outcomes.map((o) => o.attempts ?? 1))}); test ${Math.round(performance.now() - t0)} ms`);
  }, 240_000);
});
