/**
 * A load generator in a process of its own (as real clients are): the services under test
 * get their event loop to themselves, and a client's own CPU cost never shows up as server
 * latency. Usage: load-client.ts <url> <total> <perSecond> <timeoutMs> [Idempotency-Key prefix
 * [retries [statuses retried, comma-separated: 503 unless told; 0 is no answer] [fixed|polite]]].
 * Prints "started" when the first request goes out, then the outcomes as one JSON line (after
 * `total` submissions, or sooner on SIGTERM).
 */
import http from "node:http";
import type { Outcome } from "./load"; // one shape for the client process and the test that reads its lines


const [url = "", totalArg = "1", rateArg = "1", timeoutArg = "10000", keyPrefix, retriesArg = "0", retryOnArg = "503", backoff = "fixed"] = process.argv.slice(2);
const retries = Number(retriesArg);
const retryOn = new Set(retryOnArg.split(",").map(Number));
const total = Number(totalArg);
const perSecond = Number(rateArg);
const timeoutMs = Number(timeoutArg);
const MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: load}\ndata: {k: v}\n";
// A pool as HTTP clients keep one: a bounded set of kept-alive connections, not a new
// connection per request (which overflows the listen queue of a busy server: SYN retries).
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const target = new URL("/yaml", url);

const post = (i: number, sentAt: number): Promise<Outcome> =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const done = (o: Omit<Outcome, "sentAt" | "ms">) => resolve({ ...o, sentAt, ms: performance.now() - t0 });
    const headers: Record<string, string> = { "content-type": "application/yaml", "content-length": String(Buffer.byteLength(MANIFEST)) };
    if (keyPrefix) headers["idempotency-key"] = `${keyPrefix}-${i}`;
    const req = http.request(target, { method: "POST", agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let id: string | undefined;
        if (res.statusCode === 202) id = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: string }).id;
        const timing = /dur=([\d.]+)/.exec(String(res.headers["server-timing"] ?? ""));
        // What the server said when it refused: a failed run's report shows why.
        const error = res.statusCode === 202 ? undefined : Buffer.concat(chunks).toString("utf8").slice(0, 300);
        done({ status: res.statusCode ?? 0, id, error, retryAfter: res.headers["retry-after"], serverMs: timing ? Number(timing[1]) : undefined });
      });
      res.on("error", (err) => done({ status: 0, error: err.message }));
    });
    // A hang is an outcome too: no answer within the deadline counts as status 0.
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (err) => done({ status: 0, error: err.message }));
    req.end(MANIFEST);
  });

/**
 * How long to wait before the next try: 500 ms ("fixed"), or as a polite client does, what
 * the server asked for in Retry-After (RFC 9110 section 10.2.3), else an exponential backoff
 * from 250 ms up to 4 s, each with random jitter so that clients refused together do not
 * come back together.
 */
const delayBefore = (attempt: number, retryAfter: string | undefined): number => {
  if (backoff === "fixed") return 500;
  const asked = Number(retryAfter);
  const base = Number.isFinite(asked) && asked > 0 ? asked * 1000 : Math.min(250 * 2 ** (attempt - 1), 4000);
  return base * (0.5 + Math.random());
};

/**
 * The first answer not to retry, or the last one after `retries` more tries. Retrying what
 * got no answer (0) or 409 (same key in progress) is safe only with an Idempotency-Key.
 */
const submit = async (i: number, sentAt: number): Promise<Outcome> => {
  const tried: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const o = await post(i, sentAt);
    if (!retryOn.has(o.status) || attempt > retries) return { ...o, attempts: attempt, ...(tried.length ? { tried } : {}) };
    tried.push(o.status);
    await new Promise((r) => setTimeout(r, delayBefore(attempt, o.retryAfter)));
  }
};

// SIGTERM: offer no more, but wait for the answers (and retries) of those offered.
let stopped = false;
process.on("SIGTERM", () => (stopped = true));

const main = async () => {
  const start = performance.now();
  const pending: Promise<Outcome>[] = [];
  process.stdout.write("started\n");
  for (let i = 0; i < total && !stopped; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (stopped) break;
    pending.push(submit(i, performance.now() - start));
  }
  const outcomes = await Promise.all(pending);
  agent.destroy();
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
};

void main();
