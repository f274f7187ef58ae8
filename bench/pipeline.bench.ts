/**
 * npm run bench: the job pipeline against the raw broker ceiling, measured in one run.
 *
 * - ceiling: publish-confirm → consume-ack rate on one of our quorum queues, divided by the
 *   queue deliveries one job needs (job.submitted ×2, job.validated ×2, job.applied ×1 = 5).
 * - pipeline: `npm start` (all four services, one process) in a child process; this process
 *   offers load over HTTP at fixed rates (open loop) and at saturation (closed loop), and
 *   counts jobs reaching DONE from Redis.
 * Results: .bench/results.json (git ignores it; the tables in docs/testing.md, "Benchmark", hold the published figures)
 * and a table on stdout.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { measureBrokerCeiling } from "./broker-ceiling";
import { measureOverload } from "./overload";
import { measureWorkloadAndWebhooks, printWorkloadAndWebhooks } from "./workload-and-webhooks";
import { RESULTS_FILE } from "./results-file";
import { freePort, spawnService } from "../test/support/service-process";
import { AMQP_URL, REDIS_URL, removeBrokerObjects, removeRedisKeys, uniquePrefix } from "../test/support/test-stack";
import { SERVICE_NAMES } from "../apps/shared/contract";

const DELIVERIES_PER_JOB = 5;
const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources: { requests: { cpu: 100m, memory: 64Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** One submission; a refused or timed-out connection counts as not accepted, not as a crash. */
const submitOne = async (url: string) => {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/yaml`, { method: "POST", headers: { "content-type": "application/yaml" }, body: MANIFEST, signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
    return { ok: res.status === 202, ms: performance.now() - t0 };
  } catch {
    return { ok: false, ms: performance.now() - t0 };
  }
};

const doneKey = (prefix: string) => `{${prefix}}:tenant:default:jobs:status:DONE`;

const waitDone = async (redis: Redis, prefix: string, target: number, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await redis.zcard(doneKey(prefix));
    if (done >= target || Date.now() > deadline) return done;
    await sleep(20);
  }
};

interface RunResult {
  mode: string;
  offeredPerSecond?: number;
  accepted: number;
  rejected: number;
  seconds: number;
  jobsPerSecond: number;
  submitP50Ms: number;
  submitP99Ms: number;
}

/** Offer `rate` jobs/s for `seconds` (open loop: arrivals do not wait for answers). */
const openLoop = async (url: string, redis: Redis, prefix: string, rate: number, seconds: number): Promise<RunResult> => {
  const base = await redis.zcard(doneKey(prefix));
  const latencies: number[] = [];
  let rejected = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inflight.push(submitOne(url).then((r) => (r.ok ? void latencies.push(r.ms) : void rejected++)));
  }
  await Promise.all(inflight);
  const done = (await waitDone(redis, prefix, base + latencies.length, 120_000)) - base;
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { mode: `open loop ${rate}/s`, offeredPerSecond: rate, accepted: latencies.length, rejected, seconds: elapsed, jobsPerSecond: done / elapsed, submitP50Ms: percentile(latencies, 50), submitP99Ms: percentile(latencies, 99) };
};

/** As fast as it goes: `concurrency` clients submitting back to back. */
const closedLoop = async (url: string, redis: Redis, prefix: string, concurrency: number, jobs: number): Promise<RunResult> => {
  const base = await redis.zcard(doneKey(prefix));
  const latencies: number[] = [];
  let rejected = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < jobs) {
        const r = await submitOne(url);
        if (r.ok) latencies.push(r.ms);
        else rejected++;
      }
    }),
  );
  const done = (await waitDone(redis, prefix, base + latencies.length, 120_000)) - base;
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { mode: `closed loop ×${concurrency}`, accepted: latencies.length, rejected, seconds: elapsed, jobsPerSecond: done / elapsed, submitP50Ms: percentile(latencies, 50), submitP99Ms: percentile(latencies, 99) };
};

const rssOf = async (url: string) =>
  Number((await (await fetch(`${url}/metrics`)).text()).match(/^process_resident_memory_bytes (\S+)/m)?.[1] ?? NaN) / 2 ** 20;

/** Each service in its own process, as in a pod; RSS after a moderate load. */
const memoryPerService = async (dataDir: string): Promise<Record<string, number>> => {
  const prefix = uniquePrefix("bench-mem");
  const env = { AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, RATE_LIMIT_PER_SECOND: "1000000" };
  const procs = await Promise.all(SERVICE_NAMES.map((n) => spawnService(n, env)));
  const redis = new Redis(REDIS_URL);
  try {
    await Promise.all(procs.map((p) => p.ready()));
    const entry = `http://127.0.0.1:${procs[0]!.port}`;
    await closedLoop(entry, redis, prefix, 16, 300);
    const out: Record<string, number> = {};
    for (const [i, n] of SERVICE_NAMES.entries()) out[n] = await rssOf(`http://127.0.0.1:${procs[i]!.port}`);
    return out;
  } finally {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    redis.disconnect();
    await removeBrokerObjects(prefix);
    await removeRedisKeys(prefix);
  }
};

/** The offline plan's own report of how long the program took, per stack. */
const planTimes = (): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const stack of ["dev", "prod"]) {
    const text = execFileSync(process.execPath, ["--import", "tsx", "infra/plan/cli.ts", stack], { cwd: path.join(__dirname, ".."), encoding: "utf8" });
    out[stack] = Number(/Program ran in (\d+) ms/.exec(text)?.[1] ?? NaN);
  }
  return out;
};

const main = async () => {
  const ceilingPrefix = uniquePrefix("bench-ceiling");
  const ceiling = await measureBrokerCeiling({ url: AMQP_URL, prefix: ceilingPrefix, messages: 20_000, prefetch: 32, bytes: 600 });
  await removeBrokerObjects(ceilingPrefix);
  const ceilingJobs = ceiling.perSecond / DELIVERIES_PER_JOB;

  const prefix = uniquePrefix("bench");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-bench-"));
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "apps/local.ts"], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "warn", RATE_LIMIT_PER_SECOND: "1000000" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const redis = new Redis(REDIS_URL);
  try {
    for (let i = 0; i < 150; i++) {
      if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
      await sleep(200);
    }
    await closedLoop(url, redis, prefix, 8, 300); // warm-up (JIT, connections)
    const runs: RunResult[] = [];
    for (const rate of [100, 500, 1000]) runs.push(await openLoop(url, redis, prefix, rate, 5));
    runs.push(await closedLoop(url, redis, prefix, 64, 4000));
    const rssMb = await rssOf(url);
    child.kill("SIGTERM");
    const perService = await memoryPerService(dataDir);
    const overload = await measureOverload(dataDir);
    const plan = planTimes();
    const followAndNotify = await measureWorkloadAndWebhooks(ceiling.perSecond);
    const best = Math.max(...runs.map((r) => r.jobsPerSecond));
    const results = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      brokerCeiling: { messagesPerSecond: ceiling.perSecond, deliveriesPerJob: DELIVERIES_PER_JOB, jobsPerSecond: ceilingJobs },
      runs: runs.map((r) => ({ ...r, ratioToCeiling: r.jobsPerSecond / ceilingJobs })),
      bestJobsPerSecond: best,
      bestRatioToCeiling: best / ceilingJobs,
      localProcessRssMb: rssMb,
      memoryPerServiceMb: perService,
      overload,
      offlinePlanMs: plan,
      followAndNotify,
    };
    await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`broker ceiling: ${ceiling.perSecond.toFixed(0)} msg/s → ${ceilingJobs.toFixed(0)} jobs/s (${DELIVERIES_PER_JOB} deliveries per job)`);
    console.log("| run | accepted | jobs/s (submit→DONE) | ratio to ceiling | submit p50 ms | submit p99 ms |");
    console.log("|---|---|---|---|---|---|");
    for (const r of results.runs) {
      console.log(`| ${r.mode} | ${r.accepted} | ${r.jobsPerSecond.toFixed(0)} | ${r.ratioToCeiling.toFixed(2)} | ${r.submitP50Ms.toFixed(1)} | ${r.submitP99Ms.toFixed(1)} |`);
    }
    console.log(`memory (all four services in one process, RSS): ${rssMb.toFixed(0)} MiB`);
    console.log(`memory per service (own process, after 300 jobs): ${Object.entries(perService).map(([k, v]) => `${k} ${v.toFixed(0)} MiB`).join(", ")}`);
    const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : "—");
    console.log(`overload (one process per service; capacity ${overload.capacityPerSecond.toFixed(0)} submissions/s accepted by 32 clients back to back):`);
    console.log("| offered | accepted/s | refused | other | accepted p50 / p99 ms | refused p50 / p99 ms |");
    console.log("|---|---|---|---|---|---|");
    for (const r of overload.runs) {
      console.log(`| ${r.factor}× (${r.offeredPerSecond}/s) | ${r.acceptedPerSecond.toFixed(0)} | ${r.refused} | ${r.other} | ${ms(r.acceptedP50Ms)} / ${ms(r.acceptedP99Ms)} | ${ms(r.refusedP50Ms)} / ${ms(r.refusedP99Ms)} |`);
    }
    printWorkloadAndWebhooks(followAndNotify);
    console.log(`offline plan (program run under mocks): ${Object.entries(plan).map(([k, v]) => `${k} ${v} ms`).join(", ")}`);
  } finally {
    child.kill("SIGTERM");
    if (child.exitCode === null) await new Promise((r) => child.on("exit", r));
    redis.disconnect();
    await removeBrokerObjects(prefix);
    await removeRedisKeys(prefix);
    await rm(dataDir, { recursive: true, force: true });
  }
};

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
