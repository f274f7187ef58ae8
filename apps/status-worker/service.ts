import { Router } from "express";
import type { ServiceEnv } from "../shared/contract";
import type { Logger } from "../shared/logging/logger";
import { authenticate } from "../shared/http/auth";
import { createRateLimits } from "../shared/http/rate-limits";
import { connectBroker } from "../shared/messaging/connect-broker";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { JobRepository } from "../shared/state/job-repository";
import { createRedis } from "../shared/state/redis-client";
import { createStore } from "../shared/storage/create-store";
import { statusWorkerHandler } from "./handler";
import { createReadApi } from "./read-api";
import { statusRoutes } from "./routes";
import { UsageRepository } from "../shared/state/usage-repository";
import { usageRoutes } from "./usage-routes";

export const startStatusWorker = async (env: ServiceEnv<"status-worker">, logger: Logger): Promise<ServiceHandle> => {
  const redis = await createRedis(env.REDIS_URL, logger, env.REDIS_MODE);
  const jobs = new JobRepository(redis, env.NAME_PREFIX);
  const store = createStore(env);
  const auth = authenticate(env, createRateLimits(redis, env));
  const read = await createReadApi(env, { redis, jobs, store, logger, auth });
  const broker = await connectBroker(env, "status-worker", logger);
  const usage = new UsageRepository(redis, env.NAME_PREFIX);
  await broker.consume("status-worker", statusWorkerHandler(jobs, read.events, usage));
  // The read API before statusRoutes, so its routes answer first (auth counts a request once either way).
  const routes = Router().use(read.routes).use(statusRoutes(jobs, env.MAX_PAGE_SIZE, auth, usage), usageRoutes(usage, auth));
  return {
    name: "status-worker",
    routes,
    readiness: [
      { name: "broker", check: () => broker.check() },
      { name: "redis", check: () => jobs.check() },
      { name: "storage", check: () => store.check() },
    ],
    closeStreams: () => read.closeStreams(),
    stop: async () => {
      read.stop();
      await broker.close();
      redis.disconnect();
    },
  };
};
