import { Router, type RequestHandler } from "express";
import { AppError, notFound } from "../../errors/app-error";
import { tenantOf } from "../../http/auth";
import { queueView, type ClusterQueueObject } from "./queue-view";

/** Where the ClusterQueues come from (the deployments cluster; a test double in tests). */
export interface QueueSource {
  clusterQueues(): Promise<ClusterQueueObject[]>;
}

/**
 * GET /queues: the caller's Kueue queue (quota, use, borrowing, pending and admitted workloads).
 * Without a cluster (the dry-run target) there are no queues: 404 saying so.
 */
export const queueRoutes = (source: QueueSource | undefined, auth: RequestHandler): Router => {
  const r = Router();
  r.use("/queues", auth);
  r.get("/queues", async (_req, res) => {
    const tenant = tenantOf(res);
    if (!source) throw notFound("no queues: this API runs without a cluster (APPLIER_TARGET=dry-run); Kueue's queues exist on the deployments cluster");
    let all: ClusterQueueObject[];
    try {
      all = await source.clusterQueues();
    } catch (err) {
      throw new AppError(`the deployments cluster did not answer: ${(err as Error).message}`, { status: 503, retryable: true, retryAfterSeconds: 5, cause: err });
    }
    const view = queueView(tenant, all, new Date().toISOString());
    if (!view) throw notFound(`tenant ${tenant} has no queue: an operator adds it to the stack's tenants (docs/operator-guide.md#tenants-and-quotas)`);
    res.json(view);
  });
  return r;
};
