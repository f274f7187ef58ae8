import { spawn } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";
import type { JobView } from "../../apps/shared/contract";

export interface Outcome {
  status: number; // 0: no answer in time
  id?: string;
  /** When the request was sent, in ms since the load began. */
  sentAt: number;
  ms: number;
  retryAfter?: string;
  /** The server's own time for the answer (its Server-Timing header). */
  serverMs?: number;
  error?: string;
  /** How many requests it took (1 without retries). */
  attempts?: number;
  /** The answers that were retried, in order (0: none in time). */
  tried?: number[];
}

export interface Load {
  /** Resolves when the first request goes out. */
  started: Promise<void>;
  done: Promise<Outcome[]>;
  /** Offer no more submissions; `done` then resolves once those offered are answered. */
  stop(): void;
}

/**
 * Offer `total` submissions at `perSecond` from a client process of its own (see
 * load-client.ts), each with a deadline: a hang is an outcome too. With an Idempotency-Key
 * prefix, each submission is retried up to `retries` times while its answer is in `retryOn`
 * (503 unless told; 0 stands for no answer, as when the entrypoint restarts), every 500 ms
 * ("fixed") or after what Retry-After asks, else an exponential backoff ("polite").
 */
export const startLoad = (
  url: string,
  total: number,
  perSecond: number,
  opts: { timeoutMs?: number; idempotencyKeyPrefix?: string; retries?: number; retryOn?: number[]; backoff?: "fixed" | "polite" } = {},
): Load => {
  const keyed = opts.idempotencyKeyPrefix ? [opts.idempotencyKeyPrefix, String(opts.retries ?? 0), (opts.retryOn ?? [503]).join(","), opts.backoff ?? "fixed"] : [];
  const args = [url, String(total), String(perSecond), String(opts.timeoutMs ?? 10_000), ...keyed];
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "load-client.ts"), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((r) => (onStarted = r));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (out.startsWith("started\n")) onStarted();
  });
  const done = new Promise<Outcome[]>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !last.startsWith("[")) reject(new Error(`load client exited with ${code}`));
      else resolve(JSON.parse(last) as Outcome[]);
    });
  });
  return { started, done, stop: () => void child.kill("SIGTERM") };
};

export const offerLoad = (url: string, total: number, perSecond: number, timeoutMs = 10_000): Promise<Outcome[]> =>
  startLoad(url, total, perSecond, { timeoutMs }).done;

/**
 * Before the fault: a few jobs through the whole pipeline, so the services have compiled
 * their hot paths (a fresh process is several times slower for its first seconds) and the
 * fault meets a stack in its normal state. Refusals are retried, as a client would.
 */
export const warmUp = async (url: string, jobs = 10): Promise<string[]> => {
  const ids: string[] = [];
  const deadline = Date.now() + 90_000;
  while (ids.length < jobs && Date.now() < deadline) {
    const res = await fetch(`${url}/yaml`, { method: "POST", headers: { "content-type": "application/yaml" }, body: WARM_UP_MANIFEST }).catch(() => undefined);
    if (res?.status === 202) ids.push(((await res.json()) as JobView).id);
    else await new Promise((r) => setTimeout(r, 200));
  }
  expect(ids.length).toBe(jobs);
  const done = await waitAllFinal(url, ids, 90_000);
  expect(done.size).toBe(jobs);
  return ids;
};

const WARM_UP_MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: warm-up}\ndata: {k: v}\n";

const FINAL = ["DONE", "REJECTED", "FAILED", "ROLLED_BACK"];
const isFinal = (job: JobView) => FINAL.includes(job.status);

/**
 * Final, and a DONE job's history holds all three statuses. An APPLYING_IN_CLUSTER event
 * held through an outage's backoff (up to 5 s) can land after DONE: it still joins the
 * history (the transition script keeps every status once), which is what "consistent" means.
 */
export const historyComplete = (job: JobView) => isFinal(job) && (job.status !== "DONE" || job.history.length >= 3);

/**
 * Wait until every id is settled (by default: in a final status); returns the jobs as last
 * seen. A job's status and its history are written by separate events, so right after an
 * outage a job can be DONE while an earlier event, held through the outage's backoff, is
 * still on its way: tests that check the history pass a stricter `settled`.
 */
export const waitAllFinal = async (url: string, ids: string[], timeoutMs: number, settled: (job: JobView) => boolean = isFinal): Promise<Map<string, JobView>> => {
  const seen = new Map<string, JobView>();
  const deadline = Date.now() + timeoutMs;
  let open = [...ids];
  while (open.length > 0 && Date.now() < deadline) {
    const next: string[] = [];
    for (let i = 0; i < open.length; i += 50) {
      const batch = open.slice(i, i + 50);
      const jobs = await Promise.all(batch.map((id) => fetch(`${url}/jobs/${id}`).then((r) => (r.ok ? (r.json() as Promise<JobView>) : undefined)).catch(() => undefined)));
      jobs.forEach((job, j) => {
        if (job && settled(job)) seen.set(batch[j]!, job);
        else next.push(batch[j]!);
      });
    }
    open = next;
    if (open.length) await new Promise((r) => setTimeout(r, 250));
  }
  return seen;
};

/** When a fault lasted, in ms of load time (Outcome.sentAt). */
export interface Window {
  from: number;
  to: number;
}

/**
 * What a dependency outage must look like from outside: every request answered (202, or 503
 * with Retry-After), none hung; the requests sent while the dependency was away (and while
 * the services reconnected) refused in under 2 s; and every accepted job DONE exactly once.
 * Returns the accepted job ids.
 */
export const expectOutageRidden = async (url: string, outcomes: Outcome[], outage: Window): Promise<string[]> => {
  // What happened when, printed for whoever reads a failed run.
  console.info(`outcomes by sending time:\n${timeline(outcomes).join("\n")}`);
  const accepted = outcomes.filter((o) => o.status === 202).map((o) => o.id!);
  const refused = outcomes.filter((o) => o.status === 503);
  expect(outcomes.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
  expect(refused.length).toBeGreaterThan(0);
  // 5 s for an outage, 1 s when shed for load: always a whole number of seconds.
  expect(refused.filter((o) => !/^[1-9]\d*$/.test(o.retryAfter ?? ""))).toEqual([]);
  const duringOutage = outcomes.filter((o) => o.sentAt >= outage.from && o.sentAt <= outage.to);
  const outage503 = duringOutage.filter((o) => o.status === 503);
  console.info(`outage from ${Math.round(outage.from)} to ${Math.round(outage.to)} ms: ${duringOutage.length} requests; 503 ${percentiles(outage503.map((o) => o.ms))} at the client, ${percentiles(outage503.map((o) => o.serverMs ?? Infinity))} in the server`);
  expect(outage503.length).toBeGreaterThan(0);
  // As the client sees it, and the server's own share of it (Server-Timing).
  expect(outage503.filter((o) => !(o.ms < 2000 && (o.serverMs ?? Infinity) < 2000))).toEqual([]);

  const final = await waitAllFinal(url, accepted, 120_000, historyComplete);
  expect(final.size).toBe(accepted.length);
  for (const job of final.values()) {
    expect(job.status).toBe("DONE");
    expect(job.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
  }
  return accepted;
};

/** Outcomes per 500 ms of sending time (count by status, slowest answer): what a failure report shows. */
export const timeline = (outcomes: Outcome[]): string[] => {
  const buckets = new Map<number, Outcome[]>();
  for (const o of outcomes) {
    const b = Math.floor(o.sentAt / 500);
    buckets.set(b, [...(buckets.get(b) ?? []), o]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([b, os]) => {
      const counts = new Map<number, number>();
      for (const o of os) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
      const slowest = Math.max(...os.map((o) => o.ms));
      const serverSlowest = Math.max(0, ...os.map((o) => o.serverMs ?? 0));
      return `${(b / 2).toFixed(1)}s ${[...counts].map(([s, n]) => `${s}x${n}`).join(" ")} max ${Math.round(slowest)}ms (server ${Math.round(serverSlowest)}ms)`;
    });
};

const percentiles = (ms: number[]): string => {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN);
  return `p50 ${at(0.5)} / p99 ${at(0.99)} / max ${at(1)} ms`;
};
