import type { IncomingMessage } from "node:http";
import { API_PATH_PREFIXES, yamlLimitsOf, type ServiceEnv } from "../shared/contract";
import type { Logger } from "../shared/logging/logger";
import { authenticate } from "../shared/http/auth";
import { createRateLimits } from "../shared/http/rate-limits";
import { createShedder, refuseWhileDown } from "../shared/http/load-shedder";
import { connectBroker } from "../shared/messaging/connect-broker";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { IdempotencyKeys } from "../shared/state/idempotency-keys";
import { JobRepository } from "../shared/state/job-repository";
import { createRedis } from "../shared/state/redis-client";
import { createStore } from "../shared/storage/create-store";
import { Router, type RequestHandler } from "express";
import { createReadApi } from "../status-worker/read-api";
import { statusRoutes } from "../status-worker/routes";
import { usageRoutes } from "../status-worker/usage-routes";
import { UsageRepository } from "../shared/state/usage-repository";
import { admissionPolicyOf, dryRunRoutes } from "./dry-run";
import { entrypointRoutes } from "./routes";

/** For routers mounted behind one that already authenticated the same paths. */
const authenticatedAbove: RequestHandler = (_req, _res, next) => next();

export const startEntrypoint = async (env: ServiceEnv<"entrypoint">, logger: Logger): Promise<ServiceHandle> => {
  const store = createStore(env);
  const redis = await createRedis(env.REDIS_URL, logger, env.REDIS_MODE);
  const jobs = new JobRepository(redis, env.NAME_PREFIX);
  const broker = await connectBroker(env, "entrypoint", logger);
  // The entrypoint serves the whole public API, reads included: the GKE Gateway cannot route
  // by method (HTTPRoute method matches are unsupported there), and GET and DELETE share
  // /jobs/{id}. Reads come from the same Redis the status worker writes. Authenticated once.
  const routes = Router();
  const usage = new UsageRepository(redis, env.NAME_PREFIX);
  routes.use([...API_PATH_PREFIXES], authenticate(env, createRateLimits(redis, env)));
  const limits = { maxBytes: env.MAX_BODY_BYTES, maxFiles: env.MAX_FILES };
  // The dry run answers POST /yaml?dryRun=true before the submission route sees it.
  routes.use(dryRunRoutes({ policy: admissionPolicyOf(env), yamlLimits: yamlLimitsOf(env), limits }, authenticatedAbove));
  const read = await createReadApi(env, { redis, jobs, store, logger, auth: authenticatedAbove });
  routes.use(read.routes);
  routes.use(entrypointRoutes(
    {
      broker,
      jobs,
      idempotency: new IdempotencyKeys(redis, env.NAME_PREFIX),
      store,
      logger,
      yamlLimits: yamlLimitsOf(env),
      idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    },
    limits,
    authenticatedAbove,
  ));
  routes.use(statusRoutes(jobs, env.MAX_PAGE_SIZE, authenticatedAbove, usage), usageRoutes(usage, authenticatedAbove));
  // The write routes need the broker and Redis and do the work worth protecting; reads and
  // probes are never refused here. A dependency known to be down is refused first, cheapest
  // (a dry run needs no broker, so only the load shedder applies to it).
  const path = (req: IncomingMessage) => req.url?.split("?")[0];
  const isDryRun = (req: IncomingMessage) => /[?&]dryRun=true(&|$)/.test(req.url ?? "");
  const writes = (req: IncomingMessage) => (req.method === "POST" && path(req) === "/yaml") || (req.method === "DELETE" && path(req)?.startsWith("/jobs/") === true);
  const down = () => (!broker.isConnected() ? "message broker" : redis.status !== "ready" ? "job store (Redis)" : undefined);
  return {
    name: "entrypoint",
    routes,
    gates: [refuseWhileDown((req) => writes(req) && !isDryRun(req), down), ...(env.SHED_TARGET_MS > 0 ? [createShedder(writes, { targetMs: env.SHED_TARGET_MS, maxLagMs: env.SHED_MAX_LAG_MS })] : [])],
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
