import amqp from "amqplib";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topology, type JobView } from "../../apps/shared/contract";
import { AMQP_URL, REDIS_URL } from "../support/test-stack";
import { historyComplete, startLoad, timeline, waitAllFinal, warmUp } from "./load";
import { spawnStack, type StackProcess } from "./stack-process";

/**
 * The status worker is the only writer of job progress (the entrypoint writes PENDING only).
 * While it is away, the other services go on and its events wait in its queue; once it is
 * back it catches up. One process per service, as in pods, so it alone goes away.
 */
let stack: StackProcess;
beforeAll(async () => {
  stack = await spawnStack({ RATE_LIMIT_PER_SECOND: "100000" }, "per-service");
});
afterAll(async () => {
  await stack?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DOWN_MS = 30_000;
const RATE = 25;

/** One job, its 503s (shed on a busy machine) retried after their Retry-After, as a client would. */
const submitOne = async (url: string): Promise<string> => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${url}/yaml`, { method: "POST", headers: { "content-type": "application/yaml", "idempotency-key": "sw-during" }, body: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: during}\ndata: {k: v}\n" });
    if (res.status === 202) return ((await res.json()) as JobView).id;
    expect(res.status).toBe(503);
    if (Date.now() > deadline) throw new Error(`still refused after 20 s: ${await res.text()}`);
    await sleep(Number(res.headers.get("retry-after") ?? 1) * 1000);
  }
};

/** Messages ready in the status worker's queue (its consumers are gone: all of them wait). */
const waitingEvents = async (prefix: string) => {
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    return (await ch.checkQueue(topology(prefix).queue("status-worker"))).messageCount;
  } finally {
    await conn.close();
  }
};

describe("the status worker goes away for 30 s under load", () => {
  it("When the status worker is stopped for 30 s while jobs keep coming, then its events wait in its queue and, once it is back, every accepted job is DONE with its whole history", async () => {
    const t0 = performance.now();
    const warm = await warmUp(stack.url);
    // Below capacity, so the test is about the fault, not overload; a 503 (shed) is retried
    // with the same Idempotency-Key, as a client would.
    const load = startLoad(stack.url, RATE * 36, RATE, { idempotencyKeyPrefix: "sw", retries: 120, backoff: "polite" });
    await load.started;
    await sleep(3000);
    expect(await stack.kill("status-worker", "SIGTERM")).toBe(0);
    const downAt = performance.now();

    // A job accepted while it is away: accepted (the entrypoint writes PENDING itself) and
    // validated and applied by the others, but nothing of that is recorded yet.
    await sleep(DOWN_MS - 5000);
    const duringId = await submitOne(stack.url);
    await sleep(Math.max(0, DOWN_MS - (performance.now() - downAt)));
    expect(((await (await fetch(`${stack.url}/jobs/${duringId}`)).json()) as JobView).status).toBe("PENDING");
    // Three events a job (submitted, validated, applied): the jobs of the outage wait there.
    const waiting = await waitingEvents(stack.prefix);
    expect(waiting).toBeGreaterThan(RATE * 20);

    const startAt = performance.now();
    await stack.start("status-worker");
    const readyMs = performance.now() - startAt;
    const outcomes = await load.done;
    console.info(`outcomes by sending time:\n${timeline(outcomes).join("\n")}`);
    // Every submission got its 202 (after retries of a 503, if any): nothing refused for good.
    expect(outcomes.filter((o) => o.status !== 202)).toEqual([]);
    const accepted = [...outcomes.map((o) => o.id!), duringId];
    expect(new Set(accepted).size).toBe(accepted.length);

    const final = await waitAllFinal(stack.url, accepted, 60_000, historyComplete);
    const caughtUpMs = performance.now() - startAt;
    expect(accepted.filter((id) => !final.has(id))).toEqual([]);
    const wrong = [...final.values()].filter((j) => j.status !== "DONE" || j.history.map((h) => h.status).join(">") !== "PENDING>APPLYING_IN_CLUSTER>DONE");
    expect(wrong.map((j) => `${j.id}: ${j.history.map((h) => h.status).join(">")}`)).toEqual([]);
    // No job exists that no client was told about.
    const redis = new Redis(REDIS_URL);
    const all = await redis.zcard(`{${stack.prefix}}:tenant:default:jobs`);
    redis.disconnect();
    expect(all).toBe(accepted.length + warm.length);
    // The job it recorded after coming back is served by the API.
    expect(((await (await fetch(`${stack.url}/jobs/${duringId}`)).json()) as JobView).status).toBe("DONE");
    console.info(
      `${accepted.length} jobs; ${waiting} events waited; status worker ready ${Math.round(readyMs)} ms after start, all DONE ${Math.round(caughtUpMs)} ms after start; test ${Math.round(performance.now() - t0)} ms`,
    );
  }, 180_000);
});
