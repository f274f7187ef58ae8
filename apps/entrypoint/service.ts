import type { ServiceEnv } from "../shared/contract";
import type { Logger } from "../shared/logging/logger";
import { createShedder, refuseWhileDown } from "../shared/http/load-shedder";
import { connectBroker } from "../shared/messaging/connect-broker";
import { createPublicApi } from "../shared/public-api/public-api";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { JobRepository } from "../shared/state/job-repository";
import { createRedis } from "../shared/state/redis-client";
import { createStore } from "../shared/storage/create-store";

/** The entrypoint: the process behind the Gateway, serving the whole public API (apps/shared/public-api). */
export const startEntrypoint = async (env: ServiceEnv<"entrypoint">, logger: Logger): Promise<ServiceHandle> => {
  const store = createStore(env);
  const redis = await createRedis(env.REDIS_URL, logger, { mode: env.REDIS_MODE, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS });
  const jobs = new JobRepository(redis, env.NAME_PREFIX);
  const broker = await connectBroker(env, "entrypoint", logger);
  const api = await createPublicApi(env, { redis, jobs, store, broker, logger });
  // The write routes need the broker and Redis and do the work worth protecting; reads and
  // probes are never refused here. A dependency known to be down is refused first, cheapest
  // (a dry run needs no broker, so only the load shedder applies to it).
  const down = () => (!broker.isConnected() ? "message broker" : redis.status !== "ready" ? "job store (Redis)" : undefined);
  return {
    name: "entrypoint",
    routes: api.routes,
    gates: [
      refuseWhileDown((req) => api.isWrite(req) && !api.isDryRun(req), down),
      ...(env.SHED_TARGET_MS > 0 ? [createShedder(api.isWrite, { targetMs: env.SHED_TARGET_MS, maxLagMs: env.SHED_MAX_LAG_MS })] : []),
    ],
    readiness: [
      { name: "broker", check: () => broker.check() },
      { name: "redis", check: () => jobs.check() },
      { name: "storage", check: () => store.check() },
    ],
    closeStreams: () => api.closeStreams(),
    stop: async () => {
      api.stop();
      await broker.close();
      redis.disconnect();
    },
  };
};
