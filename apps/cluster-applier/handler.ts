import type { EventOf } from "../shared/contract";
import type { ConsumeOptions, DeliveryContext, EventHandler, Publish } from "../shared/messaging/broker";
import { eventIdAfter } from "../shared/messaging/event-ids";
import { failJobOnGiveUp } from "../shared/messaging/report-failure";
import { jobKeys } from "../shared/storage/job-keys";
import { ObjectNotFoundError, getJson, type ObjectStore } from "../shared/storage/object-store";
import { withQueueLabel } from "./queueing/queue-label";
import { ApplyRefusedError, type ClusterTarget, type Manifest } from "./targets/cluster-target";

interface Deps {
  publish: Publish;
  store: ObjectStore;
  target: ClusterTarget;
  /** Runs before a rollback deletes the job's objects (the Kubernetes target saves the pods' logs). */
  beforeRollback?: (jobId: string) => Promise<unknown>;
}

/**
 * Applies validated jobs and rolls deleted ones back. A rollback leaves a tombstone first;
 * an apply checks for it before and after its work, so a DELETE racing an apply never
 * leaves objects behind, whichever message is handled first.
 */
export const clusterApplierHandler =
  (deps: Deps): EventHandler =>
  async (event, ctx) => {
    if (event.type === "job.validated") return apply(deps, event, ctx);
    if (event.type === "job.deleted") return rollback(deps, event, ctx);
  };

const apply = async (deps: Deps, event: EventOf<"job.validated">, { log }: DeliveryContext) => {
  const keys = jobKeys(event.jobId);
  const now = () => new Date().toISOString();
  if (await deps.store.exists(keys.tombstone)) {
    log.info("job was deleted before it was applied; skipping");
    return;
  }
  let resources;
  try {
    const manifests = await getJson<Manifest[]>(deps.store, event.manifestsKey);
    // Every workload goes through the tenant's Kueue queue (the LocalQueue the target creates).
    resources = await deps.target.apply(event.jobId, manifests.map(withQueueLabel), event.tenant);
  } catch (err) {
    if (!(err instanceof ApplyRefusedError || err instanceof ObjectNotFoundError)) throw err; // transient: retry
    await deps.publish({ type: "job.failed", eventId: eventIdAfter(event, "job.failed"), jobId: event.jobId, tenant: event.tenant, at: now(), reason: err.message });
    return;
  }
  if (await deps.store.exists(keys.tombstone)) {
    log.info("job was deleted while being applied; undoing");
    await deps.target.rollback(event.jobId);
    return;
  }
  log.info({ target: deps.target.kind, resources: resources.length }, "job applied");
  await deps.publish({ type: "job.applied", eventId: eventIdAfter(event, "job.applied"), jobId: event.jobId, tenant: event.tenant, at: now(), target: deps.target.kind, resources });
};

const rollback = async (deps: Deps, event: EventOf<"job.deleted">, { log }: DeliveryContext) => {
  const keys = jobKeys(event.jobId);
  await deps.store.put(keys.tombstone, event.at);
  await deps.beforeRollback?.(event.jobId);
  const deleted = await deps.target.rollback(event.jobId);
  log.info({ target: deps.target.kind, deleted: deleted.length }, "job rolled back");
  await deps.publish({ type: "job.rolled_back", eventId: eventIdAfter(event, "job.rolled_back"), jobId: event.jobId, tenant: event.tenant, at: new Date().toISOString(), target: deps.target.kind });
};

/**
 * When the retries of an apply give up (a cluster that kept failing), part of the job may be
 * in the cluster already and could run although the job is reported FAILED: remove the
 * namespace first, then report. If even that fails, the reason says how to remove it.
 */
export const removeThenFailOnGiveUp = (deps: Pick<Deps, "publish" | "target">): ConsumeOptions => {
  const fail = failJobOnGiveUp(deps.publish).onGiveUp!;
  return {
    onGiveUp: async (event, reason) => {
      if (event.type !== "job.validated") return fail(event, reason);
      try {
        await deps.target.rollback(event.jobId);
        return await fail(event, `${reason}; the job's namespace was removed, nothing of it is left`);
      } catch (err) {
        return fail(event, `${reason}; its objects could not be removed (${(err as Error).message}): DELETE the job to remove them`);
      }
    },
  };
};
