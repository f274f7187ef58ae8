import type { WorkloadQueue } from "../../shared/contract";

/**
 * Kueue's Workload objects of one job, read as "is it waiting for Kueue, and why". The fields and
 * condition types are Kueue's (kubernetes-sigs/kueue@v0.19.2:apis/kueue/v1beta2/workload_types.go):
 * `status.conditions` of types QuotaReserved, Admitted, Evicted, Finished (metav1.Condition),
 * `status.admission.clusterQueue` once quota is reserved, and `spec.queueName` (the LocalQueue).
 * Reasons on QuotaReserved=False come from pkg/cache/queue/cluster_queue.go (PendingEvaluation,
 * WaitingForQuota, WaitingForPreemptedWorkloads, Suspended, Misconfigured, AdmissionGated) and the
 * scheduler (NoMatchingFlavor, ExceedsMaxQuota, …); before v0.16 it was `Pending`/`Inadmissible`.
 */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}
export interface KueueWorkload {
  metadata?: { name?: string; namespace?: string };
  spec?: { queueName?: string; active?: boolean };
  status?: { conditions?: Condition[]; admission?: { clusterQueue?: string } };
}

const cond = (w: KueueWorkload, type: string) => w.status?.conditions?.find((c) => c.type === type);
const isTrue = (w: KueueWorkload, type: string) => cond(w, type)?.status === "True";

/** Positions of pending workloads, by `namespace/name` (from the visibility API). */
export type Positions = ReadonlyMap<string, { clusterQueue: string; position: number }>;
export const positionKey = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ""}/${name ?? ""}`;

/**
 * Why the job's first not-yet-admitted workload waits, or undefined when every workload is
 * admitted or finished (or there are none: Kueue has not seen the job, or does not run).
 */
export const queueStatus = (workloads: readonly KueueWorkload[], positions: Positions = new Map(), clusterQueueOf?: () => string | undefined): WorkloadQueue | undefined => {
  for (const w of workloads) {
    if (isTrue(w, "Finished") || isTrue(w, "Admitted")) continue;
    const pos = positions.get(positionKey(w.metadata?.namespace, w.metadata?.name));
    const clusterQueue = w.status?.admission?.clusterQueue ?? pos?.clusterQueue ?? clusterQueueOf?.();
    const evicted = cond(w, "Evicted");
    // Evicted (preempted by another tenant reclaiming its quota, a stopped queue…): it is back in
    // the queue, and that is the news a user needs.
    const why =
      w.spec?.active === false
        ? { reason: "Deactivated", message: cond(w, "Evicted")?.message ?? "the workload was deactivated" }
        : evicted?.status === "True"
          ? { reason: evicted.reason ?? "Evicted", message: evicted.message }
          : isTrue(w, "QuotaReserved")
            ? { reason: cond(w, "Admitted")?.reason ?? "WaitingForAdmissionChecks", message: cond(w, "Admitted")?.message }
            : { reason: cond(w, "QuotaReserved")?.reason ?? "PendingEvaluation", message: cond(w, "QuotaReserved")?.message };
    return {
      ...(clusterQueue ? { clusterQueue } : {}),
      reason: why.reason,
      ...(why.message ? { message: why.message } : {}),
      ...(pos ? { position: pos.position } : {}),
    };
  }
  return undefined;
};

/** The visibility API's pending-workloads summary (apis/visibility/v1beta2/types.go PendingWorkloadsSummary). */
export interface PendingWorkloadsSummary {
  items?: { metadata?: { name?: string; namespace?: string }; positionInClusterQueue?: number }[];
}

/** Positions from one ClusterQueue's pending-workloads summary. */
export const positionsFrom = (clusterQueue: string, summary: PendingWorkloadsSummary): Map<string, { clusterQueue: string; position: number }> =>
  new Map(
    (summary.items ?? [])
      .filter((i) => typeof i.positionInClusterQueue === "number")
      .map((i) => [positionKey(i.metadata?.namespace, i.metadata?.name), { clusterQueue, position: i.positionInClusterQueue! }]),
  );
