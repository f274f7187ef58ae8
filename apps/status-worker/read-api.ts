import { Router, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import type { ServiceEnv } from "../shared/contract";
import type { Logger } from "../shared/logging/logger";
import type { JobRepository } from "../shared/state/job-repository";
import type { ObjectStore } from "../shared/storage/object-store";
import { EventLog } from "./events/event-log";
import { StreamBudget, eventRoutes } from "./events/event-routes";
import { StreamTail } from "./events/stream-tail";
import { logRoutes } from "./logs/log-routes";
import type { PodLogs } from "./logs/pod-logs";
import { consoleRoutes } from "./console/console-routes";
import { manifestsRoutes } from "./manifests-route";

type ReadApiSettings = Pick<ServiceEnv<"status-worker">, "NAME_PREFIX" | "APPLIER_TARGET" | "KUBECONFIG_PATH" | "SSE_HEARTBEAT_SECONDS" | "MAX_STREAMS">;

export interface ReadApi {
  routes: Router;
  events: EventLog;
  /** End open streams (at shutdown, so the server can close; clients resume elsewhere). */
  closeStreams(): void;
  stop(): void;
}

/**
 * Event streams, logs and manifests of jobs, and the web console built on them. The status worker serves them, and so does the
 * entrypoint, which serves the whole public API behind the Gateway (it routes by path only).
 * Everything comes from Redis, storage and the cluster, so any replica of either answers.
 */
export const createReadApi = async (env: ReadApiSettings, deps: { redis: Redis; jobs: JobRepository; store: ObjectStore; logger: Logger; auth: RequestHandler }): Promise<ReadApi> => {
  const events = new EventLog(deps.redis, env.NAME_PREFIX);
  const tail = new StreamTail(deps.redis, deps.logger);
  // Only a real cluster has pods to read logs from; its client is loaded only then.
  let pods: PodLogs | undefined;
  if (env.APPLIER_TARGET === "kubernetes") {
    const [{ PodLogs }, { loadKubeConfig }] = await Promise.all([import("./logs/pod-logs"), import("../cluster-applier/targets/kubernetes-target")]);
    pods = new PodLogs(loadKubeConfig(env.KUBECONFIG_PATH));
  }
  const streams = new StreamBudget(env.MAX_STREAMS);
  const { jobs, store, logger, auth } = deps;
  const routes = Router()
    .use(eventRoutes({ jobs, events, tail, heartbeatMs: env.SSE_HEARTBEAT_SECONDS * 1000, logger, streams }, auth))
    .use(logRoutes({ jobs, store, pods, target: env.APPLIER_TARGET, streams, logger }, auth))
    .use(manifestsRoutes({ jobs, store }, auth))
    // The web console: a static page on the same origin that calls this API with the user's token.
    .use(consoleRoutes());
  return {
    routes,
    events,
    closeStreams: () => streams.closeAll(),
    stop: () => {
      streams.closeAll();
      tail.stop();
    },
  };
};
