import type { ServiceEnv } from "../shared/contract";
import type { Logger } from "../shared/logging/logger";
import { authenticate } from "../shared/http/auth";
import { connectBroker } from "../shared/messaging/connect-broker";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { JobRepository } from "../shared/state/job-repository";
import { createRedis } from "../shared/state/redis-client";
import { statusWorkerHandler } from "./handler";
import { statusRoutes } from "./routes";

export const startStatusWorker = async (env: ServiceEnv<"status-worker">, logger: Logger): Promise<ServiceHandle> => {
  const redis = await createRedis(env.REDIS_URL, logger, env.REDIS_MODE);
  const jobs = new JobRepository(redis, env.NAME_PREFIX);
  const broker = await connectBroker(env, "status-worker", logger);
  await broker.consume("status-worker", statusWorkerHandler(jobs));
  return {
    name: "status-worker",
    routes: statusRoutes(jobs, env.MAX_PAGE_SIZE, authenticate(env, jobs)),
    readiness: [
      { name: "broker", check: () => broker.check() },
      { name: "redis", check: () => jobs.check() },
    ],
    stop: async () => {
      await broker.close();
      redis.disconnect();
    },
  };
};
