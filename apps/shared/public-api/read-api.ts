import { Router, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import { LOG_MAX_CONTAINERS, MAX_STREAMS_PER_TENANT, STREAM_BUFFER_BYTES, type ServiceEnv } from "../contract";
import type { Logger } from "../logging/logger";
import type { JobRepository } from "../state/job-repository";
import type { ObjectStore } from "../storage/object-store";
import { EventLog } from "../state/event-log";
import { StreamBudget, eventRoutes } from "./events/event-routes";
import { StreamTail } from "./events/stream-tail";
import { logRoutes } from "./logs/log-routes";
import type { PodLogs } from "./logs/pod-logs";
import { consoleRoutes } from "./console/console-routes";
import { manifestsRoutes } from "./manifests-route";

type ReadApiSettings = Pick<ServiceEnv<"entrypoint">, "NAME_PREFIX" | "APPLIER_TARGET" | "KUBECONFIG_PATH" | "SSE_HEARTBEAT_SECONDS" | "MAX_STREAMS">;

export interface ReadApi {
  routes: Router;
  events: EventLog;
  /** End open streams (at shutdown, so the server can close; clients resume elsewhere). */
  closeStreams(): void;
  stop(): void;
}

/**
 * Event streams, logs and manifests of jobs, and the web console built on them: the read part of
 * the public API, which the entrypoint serves behind the Gateway (it routes by path only).
 * Everything comes from Redis, storage and the cluster, so any replica answers.
 */
export const createReadApi = async (env: ReadApiSettings, deps: { redis: Redis; jobs: JobRepository; store: ObjectStore; logger: Logger; auth: RequestHandler }): Promise<ReadApi> => {
  const events = new EventLog(deps.redis, env.NAME_PREFIX);
  const tail = new StreamTail(deps.redis, deps.logger);
  // Only a real cluster has pods to read logs from; its client is loaded only then.
  let pods: PodLogs | undefined;
  if (env.APPLIER_TARGET === "kubernetes") {
    const [{ PodLogs }, { loadKubeConfig }] = await Promise.all([import("./logs/pod-logs"), import("../kube/kube-config")]);
    pods = new PodLogs(loadKubeConfig(env.KUBECONFIG_PATH));
  }
  const streams = new StreamBudget(env.MAX_STREAMS, Math.min(env.MAX_STREAMS, MAX_STREAMS_PER_TENANT));
  const { jobs, store, logger, auth } = deps;
  const routes = Router()
    .use(eventRoutes({ jobs, events, tail, heartbeatMs: env.SSE_HEARTBEAT_SECONDS * 1000, logger, streams, bufferBytes: STREAM_BUFFER_BYTES }, auth))
    .use(logRoutes({ jobs, store, pods, target: env.APPLIER_TARGET, streams, logger, maxContainers: LOG_MAX_CONTAINERS }, auth))
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
