/**
 * Part of `npm run bench` (also alone: `npx tsx bench/workload-and-webhooks.ts`), issue 24:
 *
 * - status worker CPU per `job.workload` event: the worker's handler (real Redis: the
 *   newer-wins script, the job read, the event stream) fed workload summaries of running jobs,
 *   as CPU microseconds per event and as a ratio to a status event handled the same way;
 * - the applier's summary of one job (8 pods) per watch event, in CPU microseconds;
 * - webhook deliveries per second: notices enqueued through the broker and posted to a local
 *   receiver by the status worker's webhook queue, and that rate as a ratio to the broker's own
 *   ceiling measured in the same run.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import amqp from "amqplib";
import { Redis } from "ioredis";
import pino from "pino";
import { summarizeWorkload } from "../apps/cluster-applier/workload/summarize-workload";
import { webhookTopology, type JobEvent, type JobView, type Workload } from "../apps/shared/contract";
import { EventLog } from "../apps/shared/state/event-log";
import { JobRepository } from "../apps/shared/state/job-repository";
import { WebhookQueue } from "../apps/shared/webhooks/webhook-queue";
import { WebhookRepository } from "../apps/shared/webhooks/webhook-repository";
import { WebhookSecretBox, newWebhookSecretKey } from "../apps/shared/webhooks/secret-box";
import { statusWorkerHandler } from "../apps/status-worker/handler";
import { AMQP_URL, REDIS_URL, removeRedisKeys, uniquePrefix } from "../test/support/test-stack";
import { measureBrokerCeiling } from "./broker-ceiling";
import { removeBrokerObjects } from "../test/support/test-stack";

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const workloadOf = (i: number, at: string): Workload => ({
  phase: "Running",
  pods: { pending: 0, running: 8, succeeded: 0, failed: 0 },
  problems: [],
  observedAt: at,
  restarts: i % 3,
  startedAt: "2026-12-07T10:00:00.000Z",
});

/** CPU per workload event and per status event through the status worker's handler. */
const measureStatusWorker = async (events: number) => {
  const prefix = uniquePrefix("bench-wl");
  const redis = new Redis(REDIS_URL);
  const jobs = new JobRepository(redis, prefix);
  const log = new EventLog(redis, prefix);
  const handler = statusWorkerHandler(jobs, log, undefined);
  const ctx = { attempt: 1, log: pino({ level: "silent" }) };
  const ids = Array.from({ length: 200 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  try {
    for (const id of ids) await jobs.transition(id, "DONE", new Date().toISOString(), { target: "kubernetes" }, "default");
    const base = Date.now();
    const run = async (make: (i: number) => JobEvent) => {
      const t0 = cpuMicros();
      const w0 = performance.now();
      for (let i = 0; i < events; i++) await handler(make(i), ctx as never);
      return { cpuMicrosPerEvent: (cpuMicros() - t0) / events, wallMsPerEvent: (performance.now() - w0) / events };
    };
    const workload = await run((i) => {
      const at = new Date(base + i).toISOString();
      return { type: "job.workload", eventId: `w-${i}`, jobId: ids[i % ids.length]!, tenant: "default", at, workload: workloadOf(i, at) } as JobEvent;
    });
    const status = await run((i) => ({ type: "job.applied", eventId: `s-${i}`, jobId: ids[i % ids.length]!, tenant: "default", at: new Date(base + i).toISOString(), target: "kubernetes", resources: [] }) as unknown as JobEvent);
    return { workload, status, ratio: workload.cpuMicrosPerEvent / status.cpuMicrosPerEvent };
  } finally {
    redis.disconnect();
    await removeRedisKeys(prefix);
  }
};

/** CPU to sum up one job of 8 pods (one watch event's work in the applier, before the debounce). */
const measureSummary = (rounds: number) => {
  const pod = (i: number) => ({
    metadata: { name: `p-${i}`, ownerReferences: [{ kind: "Job" }] },
    status: { phase: "Running", startTime: "2026-12-07T10:00:00Z", containerStatuses: [{ name: "c", restartCount: 1, state: {}, lastState: { terminated: { exitCode: 137, reason: "OOMKilled", finishedAt: "2026-12-07T10:01:00Z" } } }] },
  });
  const objects: Parameters<typeof summarizeWorkload>[0] = { pods: Array.from({ length: 8 }, (_, i) => pod(i)), jobs: [{ metadata: { name: "j" }, status: { startTime: "2026-12-07T10:00:00Z" } }], deployments: [] };
  const t0 = cpuMicros();
  for (let i = 0; i < rounds; i++) summarizeWorkload(objects, "2026-12-07T10:02:00Z");
  return (cpuMicros() - t0) / rounds;
};

/** Deliveries per second through the webhook queue to a local receiver. */
const measureWebhooks = async (jobsCount: number, webhooksCount: number) => {
  const prefix = uniquePrefix("bench-hooks");
  const redis = new Redis(REDIS_URL);
  const repo = new WebhookRepository(redis, prefix, new WebhookSecretBox(newWebhookSecretKey()));
  let received = 0;
  let allIn!: () => void;
  const total = jobsCount * webhooksCount;
  const done = new Promise<void>((r) => (allIn = r));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(204).end();
      if (++received === total) allIn();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const delays = [1000];
  const queue = new WebhookQueue({
    url: AMQP_URL,
    prefix,
    logger: pino({ level: "silent" }),
    repository: repo,
    limits: { allowPrivate: true, timeoutMs: 5000, maxResponseBytes: 65536 },
    retryDelaysMs: delays,
    perEndpoint: 16,
    prefetch: 32,
    consume: true,
  });
  try {
    for (let i = 0; i < webhooksCount; i++) await repo.create("default", { url });
    await queue.start();
    const t0 = performance.now();
    // Jobs finish concurrently, as the status worker handles up to its prefetch of events at once.
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let i = next++; i < jobsCount; i = next++) {
          const job: JobView = { id: `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`, tenant: "default", status: "DONE", target: "dry-run", history: [], namespace: "n", resources: [], createdAt: "", updatedAt: "" };
          await queue.jobChanged(job);
        }
      }),
    );
    const enqueuedSeconds = (performance.now() - t0) / 1000;
    await done;
    const seconds = (performance.now() - t0) / 1000;
    return { deliveries: total, seconds, perSecond: total / seconds, enqueuedSeconds };
  } finally {
    await queue.close();
    server.closeAllConnections();
    server.close();
    redis.disconnect();
    await removeRedisKeys(prefix);
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    const w = webhookTopology(prefix);
    for (const q of [w.deliveries, w.deadLetters, ...delays.map(w.retry)]) await ch.deleteQueue(q);
    await conn.close();
  }
};

export const measureWorkloadAndWebhooks = async (brokerCeilingPerSecond?: number) => {
  let ceiling = brokerCeilingPerSecond;
  if (ceiling === undefined) {
    const p = uniquePrefix("bench-ceiling");
    ceiling = (await measureBrokerCeiling({ url: AMQP_URL, prefix: p, messages: 5000, prefetch: 32, bytes: 600 })).perSecond;
    await removeBrokerObjects(p);
  }
  const statusWorker = await measureStatusWorker(2000);
  const summaryCpuMicros = measureSummary(20_000);
  const webhooks = await measureWebhooks(500, 4);
  return {
    statusWorker: {
      workloadEventCpuMicros: statusWorker.workload.cpuMicrosPerEvent,
      statusEventCpuMicros: statusWorker.status.cpuMicrosPerEvent,
      workloadToStatusRatio: statusWorker.ratio,
      workloadEventWallMs: statusWorker.workload.wallMsPerEvent,
    },
    applierSummaryCpuMicros: summaryCpuMicros,
    webhooks: { ...webhooks, brokerCeilingPerSecond: ceiling, ratioToBrokerCeiling: webhooks.perSecond / ceiling },
  };
};

export const printWorkloadAndWebhooks = (r: Awaited<ReturnType<typeof measureWorkloadAndWebhooks>>) => {
  console.log(
    `status worker, per job.workload event: ${r.statusWorker.workloadEventCpuMicros.toFixed(0)} µs CPU (${r.statusWorker.workloadToStatusRatio.toFixed(2)}× a status event's ${r.statusWorker.statusEventCpuMicros.toFixed(0)} µs); applier summary of a job of 8 pods: ${r.applierSummaryCpuMicros.toFixed(1)} µs CPU`,
  );
  console.log(
    `webhooks: ${r.webhooks.deliveries} deliveries in ${r.webhooks.seconds.toFixed(2)} s = ${r.webhooks.perSecond.toFixed(0)}/s (${r.webhooks.ratioToBrokerCeiling.toFixed(3)} of the broker ceiling, ${r.webhooks.brokerCeilingPerSecond.toFixed(0)} msg/s)`,
  );
};

if (require.main === module) {
  void measureWorkloadAndWebhooks().then(
    (r) => {
      printWorkloadAndWebhooks(r);
      console.log(JSON.stringify(r));
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
