import type { IncomingMessage } from "node:http";
import { Router, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import { API_PATH_PREFIXES, yamlLimitsOf, type ServiceEnv } from "../contract";
import { authenticate, loadTokens } from "../http/auth";
import { createRateLimits } from "../http/rate-limits";
import type { Logger } from "../logging/logger";
import type { Broker } from "../messaging/broker";
import { IdempotencyKeys } from "../state/idempotency-keys";
import type { JobRepository } from "../state/job-repository";
import { UsageRepository } from "../state/usage-repository";
import type { ObjectStore } from "../storage/object-store";
import { admissionPolicyOf, dryRunRoutes } from "./jobs/dry-run";
import { statusRoutes } from "./jobs/read-routes";
import { resolveShortIds } from "./jobs/short-ids";
import { entrypointRoutes } from "./jobs/write-routes";
import { createReadApi } from "./read-api";
import { activityRoutes } from "./admin/activity-routes";
import { queueRoutes, type QueueSource } from "./queues/queue-routes";
import { usageRoutes } from "./usage-routes";
import { WebhookRepository } from "../webhooks/webhook-repository";
import { WebhookSecretBox } from "../webhooks/secret-box";
import { webhookRoutes } from "./webhook-routes";

/** For routers mounted behind one that already authenticated the same paths. */
const authenticatedAbove: RequestHandler = (_req, _res, next) => next();

export interface PublicApi {
  routes: Router;
  /** Requests that change state (submissions and deletions, not dry runs): the ones load shedding protects. */
  isWrite(req: IncomingMessage): boolean;
  isDryRun(req: IncomingMessage): boolean;
  /** End open streams (at shutdown, so the server can close; clients resume elsewhere). */
  closeStreams(): void;
  stop(): void;
}

/**
 * The whole public HTTP API in one router: writes (submit, delete, dry run), reads (jobs,
 * counts, usage), event streams, logs, manifests and the web console. GKE's Gateway cannot
 * route by method (HTTPRoute method matches are unsupported there) and GET and DELETE share
 * /jobs/{id}, so one process serves all of it. Authenticated once, for every API path.
 */
export const createPublicApi = async (
  env: ServiceEnv<"entrypoint">,
  deps: { redis: Redis; jobs: JobRepository; store: ObjectStore; broker: Broker; logger: Logger },
): Promise<PublicApi> => {
  const { redis, jobs, store, broker, logger } = deps;
  const routes = Router();
  const usage = new UsageRepository(redis, env.NAME_PREFIX);
  // The operator's view has its own credential, checked by its route; tenant tokens are refused there.
  routes.use(activityRoutes(jobs, [...new Set(loadTokens(env).map((t) => t.tenant))], env.OPERATOR_TOKEN));
  routes.use([...API_PATH_PREFIXES], authenticate(env, createRateLimits(redis, env)));
  routes.use(resolveShortIds(jobs));
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
  let queues: QueueSource | undefined;
  if (env.APPLIER_TARGET === "kubernetes") {
    const [{ KubeQueueSource }, { loadKubeConfig }] = await Promise.all([import("./queues/kube-queue-source"), import("../kube/kube-config")]);
    queues = new KubeQueueSource(loadKubeConfig(env.KUBECONFIG_PATH));
  }
  routes.use(queueRoutes(queues, authenticatedAbove));
  routes.use(webhookRoutes(new WebhookRepository(redis, env.NAME_PREFIX, new WebhookSecretBox(env.WEBHOOK_SECRET_KEY, env.WEBHOOK_SECRET_KEY_PREVIOUS)), { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE }, authenticatedAbove));
  const path = (req: IncomingMessage) => req.url?.split("?")[0];
  return {
    routes,
    isDryRun: (req) => /[?&]dryRun=true(&|$)/.test(req.url ?? ""),
    isWrite: (req) =>
      (req.method === "POST" && (path(req) === "/yaml" || /^\/jobs\/[^/]+\/resubmit$/.test(path(req) ?? ""))) || (req.method === "DELETE" && path(req)?.startsWith("/jobs/") === true),
    closeStreams: () => read.closeStreams(),
    stop: () => read.stop(),
  };
};
