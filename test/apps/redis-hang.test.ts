import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import net, { type AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIMINGS, type JobView } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { followSse } from "../support/sse";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

/*
 * A Redis that stops answering without closing its connections (a stalled primary, a partition
 * that drops packets), played by a redis-server of this test's own, on a free port, paused with
 * SIGSTOP and resumed with SIGCONT. Never the machine's shared Redis: pausing that one would
 * stall every other test run on the machine.
 */
const BOUND_MS = 400;
/**
 * A request may meet the bound twice: the rate limiter's call (then counted in memory), then the
 * job store's. The rest is this busy machine's margin; without a bound the requests would wait
 * for as long as Redis is paused (the test's fetches give up after 20 s).
 */
const ANSWERED_WITHIN_MS = 5 * BOUND_MS;
const CONFIGMAP = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: v}\n`;

let redis: ChildProcess | undefined;
let redisPort: number;
let paused = false;
let stack: TestStack;

const freePort = async (): Promise<number> => {
  const srv = net.createServer().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
};

const signal = (sig: "SIGSTOP" | "SIGCONT") => {
  redis!.kill(sig);
  paused = sig === "SIGSTOP";
};

beforeAll(async () => {
  const port = (redisPort = await freePort());
  redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const probe = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  probe.on("error", () => undefined);
  await eventually(async () => expect(await probe.ping()).toBe("PONG"));
  probe.disconnect();
  stack = await startTestStack({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_COMMAND_TIMEOUT_MS: String(BOUND_MS) });
}, 30_000);

afterAll(async () => {
  if (paused) signal("SIGCONT");
  await stack?.cleanup();
  redis?.kill("SIGKILL");
}, 30_000);

/** A request and how long its answer took; a hang is cut at 20 s. */
const timed = async (path: string, init: RequestInit = {}) => {
  const t0 = performance.now();
  const res = await fetch(`${stack.url}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
  const body = await res.text();
  return { res, body, ms: performance.now() - t0 };
};

/** A series of /metrics by name and `client` label (0 when absent). */
const series = async (name: string, client: string) => {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{client="${client}"}`));
  return Number(line?.split(" ")[1] ?? 0);
};
const metric = (client: string) => series("redis_command_timeouts_total", client);
/** The server's own time for an answer (its Server-Timing header), in ms. */
const serverMs = (res: Response) => Number(/dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? Infinity);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("a Redis that hangs while connected (its own redis-server, paused with SIGSTOP)", () => {
  it("When Redis stops answering, then reads and writes get a fast 503 with Retry-After, counted; once it answers again the stack recovers by itself, every accepted job completes and no refused submission ever becomes a job", async () => {
    const accepted = await postYaml(stack.url, CONFIGMAP("before"));
    expect(accepted.status).toBe(202);
    const done = ((await accepted.json()) as JobView).id;
    await waitForStatus(stack.url, done, ["DONE"]);
    // Accepted just before the pause: its pipeline meets the paused Redis in the status worker.
    const inFlight = await postYaml(stack.url, CONFIGMAP("in-flight"));
    expect(inFlight.status).toBe(202);
    const inFlightId = ((await inFlight.json()) as JobView).id;
    const timeoutsBefore = await metric("job_store");

    signal("SIGSTOP");
    const answers = {
      read: await timed(`/jobs/${done}`),
      list: await timed("/jobs"),
      // Pipelined reads: ioredis resolves a pipeline with each command's timeout in its place.
      counts: await timed("/jobs/counts"),
      submitWithKey: await timed("/yaml", { method: "POST", headers: { "content-type": "application/yaml", "idempotency-key": "hang-1" }, body: CONFIGMAP("refused-a") }),
      submit: await timed("/yaml", { method: "POST", headers: { "content-type": "application/yaml" }, body: CONFIGMAP("refused-b") }),
      delete: await timed(`/jobs/${done}`, { method: "DELETE" }),
    };
    for (const [what, a] of Object.entries(answers)) {
      expect(a.res.status, `${what}: ${a.body}`).toBe(503);
      expect(a.res.headers.get("retry-after"), what).toMatch(/^\d+$/);
      expect(a.ms, `${what} answered in ${Math.round(a.ms)} ms`).toBeLessThan(ANSWERED_WITHIN_MS);
    }
    expect(JSON.parse(answers.read.body)).toEqual({ error: "the job store is unavailable; retry later" });
    expect(await metric("job_store")).toBeGreaterThan(timeoutsBefore);
    expect(await metric("rate_limiter")).toBeGreaterThan(0);
    expect((await fetch(`${stack.url}/readyz`, { signal: AbortSignal.timeout(20_000) })).status).toBe(503);

    // Redis now runs what waited in its sockets, the refused submissions' writes and their undo.
    signal("SIGCONT");
    await eventually(async () => expect((await fetch(`${stack.url}/readyz`)).status).toBe(200), { timeoutMs: 20_000 });
    await waitForStatus(stack.url, inFlightId, ["DONE"], 30_000);
    // The key of the refused submission was freed: the retry is a new job, not a 409.
    const retried = await postYaml(stack.url, CONFIGMAP("refused-a"), { "idempotency-key": "hang-1" });
    expect(retried.status).toBe(202);
    const retriedId = ((await retried.json()) as JobView).id;
    await waitForStatus(stack.url, retriedId, ["DONE"]);

    const listed = (await (await fetch(`${stack.url}/jobs?limit=100`)).json()) as { items: JobView[] };
    expect(listed.items.map((j) => j.id).sort()).toEqual([done, inFlightId, retriedId].sort());
    expect((await (await fetch(`${stack.url}/jobs/${done}`)).json()) as JobView).toMatchObject({ status: "DONE" });
  }, 120_000);

  it("When Redis hangs, then after the circuit breakers open, job reads are refused in a few ms instead of the command bound, nothing accepted is lost, and within the reset timeout after SIGCONT requests succeed again", async () => {
    const first = await postYaml(stack.url, CONFIGMAP("breaker-done"));
    expect(first.status).toBe(202);
    const done = ((await first.json()) as JobView).id;
    await waitForStatus(stack.url, done, ["DONE"]);
    const inFlight = await postYaml(stack.url, CONFIGMAP("breaker-in-flight"));
    expect(inFlight.status).toBe(202);
    const inFlightId = ((await inFlight.json()) as JobView).id;
    const jobsBefore = ((await (await fetch(`${stack.url}/jobs?limit=100`)).json()) as { items: JobView[] }).items.map((j) => j.id).sort();
    const shortBefore = await series("redis_short_circuited_calls_total", "job_store");
    const circuitsOpen = async () => (await series("redis_circuit_open", "job_store")) === 1 && (await series("redis_circuit_open", "rate_limiter")) === 1;

    signal("SIGSTOP");
    try {
      // A request meets Redis twice (its rate limit, then the job): each circuit opens after a
      // few calls that waited for the bound.
      for (let i = 0; i < 10 && !(await circuitsOpen()); i++) expect((await timed(`/jobs/${done}`)).res.status).toBe(503);
      const refusals = [];
      for (let i = 0; i < 10; i++) refusals.push(await timed(`/jobs/${done}`));
      const refusedSubmission = await timed("/yaml", { method: "POST", headers: { "content-type": "application/yaml" }, body: CONFIGMAP("breaker-refused") });
      for (const [i, a] of [...refusals, refusedSubmission].entries()) {
        expect(a.res.status, `${i}: ${a.body}`).toBe(503);
        expect(a.res.headers.get("retry-after"), String(i)).toMatch(/^\d+$/);
        expect(a.ms, `${i} answered in ${Math.round(a.ms)} ms`).toBeLessThan(ANSWERED_WITHIN_MS);
      }
      expect(JSON.parse(refusals[0]!.body)).toEqual({ error: "the job store is unavailable; retry later" });
      // Refused without waiting for the bound: as the server saw it and as the client did. (A
      // median: one of them may be the probe the circuit lets through every reset timeout.)
      const server = refusals.map((a) => serverMs(a.res));
      const client = refusals.map((a) => a.ms);
      expect(median(server), `server ms: ${server.map(Math.round).join(", ")}`).toBeLessThan(BOUND_MS / 5);
      // The client shares this process (and its event loop) with the four services: more margin.
      expect(median(client), `client ms: ${client.map(Math.round).join(", ")}`).toBeLessThan(BOUND_MS / 2);
      expect(await circuitsOpen()).toBe(true);
      expect(await series("redis_short_circuited_calls_total", "job_store")).toBeGreaterThanOrEqual(shortBefore + 10);
    } finally {
      // Resumed even when an assertion above failed, so the next test finds Redis answering.
      signal("SIGCONT");
    }
    const resumed = performance.now();
    await eventually(async () => expect((await timed(`/jobs/${done}`)).res.status).toBe(200), { timeoutMs: 20_000, intervalMs: 50 });
    const recoveredMs = performance.now() - resumed;
    // The first call after the reset timeout is the probe; the bound is this machine's margin.
    expect(recoveredMs, `recovered ${Math.round(recoveredMs)} ms after SIGCONT`).toBeLessThan(TIMINGS.redisCircuitResetMs + ANSWERED_WITHIN_MS);
    await eventually(async () => {
      expect((await timed(`/jobs/${done}`)).res.status).toBe(200);
      expect(await series("redis_circuit_open", "job_store")).toBe(0);
      expect(await series("redis_circuit_open", "rate_limiter")).toBe(0);
    });

    // Nothing accepted is lost, nothing refused became a job.
    await waitForStatus(stack.url, inFlightId, ["DONE"], 30_000);
    const jobsAfter = ((await (await fetch(`${stack.url}/jobs?limit=100`)).json()) as { items: JobView[] }).items.map((j) => j.id).sort();
    expect(jobsAfter).toEqual(jobsBefore);
    expect(jobsAfter).toContain(inFlightId);
  }, 120_000);

  it("When no event comes for longer than the command bound, then the live event tail keeps blocking on its own connection and bound, and delivers the next event without a timeout", async () => {
    const tailTimeouts = await metric("event_tail");
    const { result } = await followSse(`${stack.url}/events?lastEventId=$`, { stopAfter: (m) => m.data.includes("tail-check"), timeoutMs: 30_000 });
    // The tail's connection has lived two seconds (CLIENT LIST counts in whole seconds) and its
    // XREAD BLOCK has waited one: longer than the bound every other command gets, after which a
    // connection without a bound of its own would have been given up and replaced.
    const probe = new Redis(redisPort, "127.0.0.1");
    try {
      await eventually(async () => {
        const clients = String(await probe.client("LIST")).split("\n");
        expect(clients.some((c) => /\bcmd=xread\b/.test(c) && /\bflags=\w*b/.test(c) && Number(/\bidle=(\d+)/.exec(c)?.[1]) >= 1 && Number(/\bage=(\d+)/.exec(c)?.[1]) >= 2)).toBe(true);
      }, { timeoutMs: 10_000, intervalMs: 100 });
    } finally {
      probe.disconnect();
    }
    const res = await postYaml(stack.url, CONFIGMAP("tail-check"));
    expect(res.status).toBe(202);
    const { messages } = await result;
    expect(messages.some((m) => m.data.includes("tail-check"))).toBe(true);
    expect(await metric("event_tail")).toBe(tailTimeouts);
  }, 60_000);
});
