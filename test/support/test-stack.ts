import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import amqp from "amqplib";
import { Redis } from "ioredis";
import { startHost, type Host } from "../../apps/host";
import { SERVICE_ENV, SERVICE_NAMES, SERVICE_QUEUES, topology, webhookTopology, type JobStatus, type JobView, type ServiceName } from "../../apps/shared/contract";
import { newWebhookSecretKey } from "../../apps/shared/webhooks/secret-box";
import { eventually } from "./eventually";

export const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A name prefix no other test run uses, so runs sharing one broker and Redis never collide. */
export const uniquePrefix = (what = "t") => `${what}-${randomBytes(5).toString("hex")}`;

export interface TestStack extends Host {
  prefix: string;
  dataDir: string;
  /** The WEBHOOK_SECRET_KEY its services share: one made for this stack unless the test gave one. */
  webhookSecretKey: string;
  cleanup(): Promise<void>;
}

/** The Management App on the real local RabbitMQ and Redis, HTTP on a free port. */
export const startTestStack = async (env: Record<string, string> = {}, names: ServiceName[] = SERVICE_NAMES): Promise<TestStack> => {
  const prefix = env.NAME_PREFIX ?? uniquePrefix();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-test-"));
  const webhookSecretKey = env.WEBHOOK_SECRET_KEY ?? newWebhookSecretKey();
  const host = await startHost(names, {
    AMQP_URL,
    REDIS_URL,
    NAME_PREFIX: prefix,
    DATA_DIR: dataDir,
    PORT: "0",
    LOG_LEVEL: "silent",
    // All four services share this process (and vitest's): their work is not the entrypoint's
    // overload. Tests of shedding turn it on.
    SHED_MAX_LAG_MS: "0",
    SHED_TARGET_MS: "0",
    ...env,
    WEBHOOK_SECRET_KEY: webhookSecretKey,
  });
  return {
    ...host,
    prefix,
    dataDir,
    webhookSecretKey,
    cleanup: async () => {
      await host.stop();
      await removeBrokerObjects(prefix, SERVICE_ENV["status-worker"].shape.WEBHOOK_RETRY_DELAYS_MS.parse(env.WEBHOOK_RETRY_DELAYS_MS));
      await removeRedisKeys(prefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

export const removeBrokerObjects = async (prefix: string, webhookRetryDelaysMs: number[] = []) => {
  const t = topology(prefix);
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  for (const s of SERVICE_QUEUES) {
    await ch.deleteQueue(t.queue(s));
    await ch.deleteQueue(t.deadLetterQueue(s));
  }
  const w = webhookTopology(prefix);
  for (const q of [w.deliveries, w.deadLetters, ...webhookRetryDelaysMs.map(w.retry)]) await ch.deleteQueue(q);
  await ch.deleteExchange(t.exchange);
  await ch.deleteExchange(t.deadLetterExchange);
  await conn.close();
};

export const removeRedisKeys = async (prefix: string) => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`{${prefix}}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
};

/** Wait until a job reaches one of the given statuses (polls the API; fails after a timeout). */
export const waitForStatus = (baseUrl: string, id: string, wanted: JobStatus[], timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<JobView> =>
  eventually(
    async () => {
      const res = await fetch(`${baseUrl}/jobs/${id}`, { headers });
      const job = res.status === 200 ? ((await res.json()) as JobView) : undefined;
      if (!job || !wanted.includes(job.status)) throw new Error(`job ${id} did not reach ${wanted.join("/")} in ${timeoutMs} ms (last: ${job?.status ?? `HTTP ${res.status}`})`);
      return job;
    },
    { timeoutMs, intervalMs: 25 },
  );

export const postYaml = (baseUrl: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/yaml`, { method: "POST", headers: { "content-type": "application/yaml", ...headers }, body });
