import type { ServiceEnv } from "../shared/contract";
import type { Logger } from "../shared/logging/logger";
import { connectBroker } from "../shared/messaging/connect-broker";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { EventLog } from "../shared/state/event-log";
import { JobRepository } from "../shared/state/job-repository";
import { createRedis } from "../shared/state/redis-client";
import { UsageRepository } from "../shared/state/usage-repository";
import { WebhookQueue } from "../shared/webhooks/webhook-queue";
import { WebhookRepository } from "../shared/webhooks/webhook-repository";
import { WebhookSecretBox } from "../shared/webhooks/secret-box";
import { statusWorkerHandler } from "./handler";

/**
 * The status worker: hears every job event and records it in Redis (the job's record, its
 * history, its event streams, its usage). It serves no API of its own: the public API, reads
 * and streams included, is the entrypoint's (apps/shared/public-api), which reads what this
 * worker writes. Only health, readiness and metrics are served here.
 */
export const startStatusWorker = async (env: ServiceEnv<"status-worker">, logger: Logger): Promise<ServiceHandle> => {
  const redis = await createRedis(env.REDIS_URL, logger, { mode: env.REDIS_MODE, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS });
  const jobs = new JobRepository(redis, env.NAME_PREFIX);
  const events = new EventLog(redis, env.NAME_PREFIX);
  const usage = new UsageRepository(redis, env.NAME_PREFIX);
  // Webhooks: enqueued here when a job's outcome is recorded, delivered by this worker's own consumer.
  const webhooks = new WebhookQueue({
    url: env.AMQP_URL,
    prefix: env.NAME_PREFIX,
    logger: logger.child({ component: "webhooks" }),
    repository: new WebhookRepository(redis, env.NAME_PREFIX, new WebhookSecretBox(env.WEBHOOK_SECRET_KEY, env.WEBHOOK_SECRET_KEY_PREVIOUS)),
    limits: { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE, timeoutMs: env.WEBHOOK_TIMEOUT_MS, maxResponseBytes: env.WEBHOOK_MAX_RESPONSE_BYTES },
    retryDelaysMs: env.WEBHOOK_RETRY_DELAYS_MS,
    perEndpoint: env.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
    prefetch: env.PREFETCH,
    consume: true,
  });
  await webhooks.start();
  const broker = await connectBroker(env, "status-worker", logger);
  await broker.consume("status-worker", statusWorkerHandler(jobs, events, usage, (job) => webhooks.jobChanged(job)));
  return {
    name: "status-worker",
    readiness: [
      { name: "broker", check: () => broker.check() },
      { name: "redis", check: () => jobs.check() },
    ],
    stop: async () => {
      await broker.close();
      await webhooks.close();
      redis.disconnect();
    },
  };
};
