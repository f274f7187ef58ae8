import { statusOf, type JobEvent, type JobView, type StatusEventType } from "../shared/contract";
import type { EventHandler } from "../shared/messaging/broker";
import { jobTransitions } from "../shared/metrics/metrics";
import type { JobRepository, TransitionDetails } from "../shared/state/job-repository";
import type { EventLog } from "../shared/state/event-log";
import type { UsageRepository } from "../shared/state/usage-repository";

/** What a status event adds to the job's record (its status is the contract's statusOf). */
export const detailsOf = (e: Extract<JobEvent, { type: StatusEventType }>): TransitionDetails => {
  switch (e.type) {
    case "job.submitted":
      return { createIfMissing: false };
    case "job.validated":
      return { resources: e.resources, warnings: e.warnings };
    case "job.rejected":
      return { reason: e.reason, problems: e.problems };
    case "job.applied":
      return { target: e.target, resources: e.resources };
    case "job.failed":
      return { reason: e.reason };
    case "job.deleted":
      return {};
    case "job.rolled_back":
      return { target: e.target };
  }
};

/**
 * Records every job event in Redis. Order and repetition do not matter: the repository
 * never moves a status backwards and keeps each status once in the history.
 * Then the job's event stream (SSE) gets what changed. It is appended from the stored job,
 * not from the message, and the append is idempotent: a redelivery after a crash between the
 * two writes appends what was missing, a repeat appends nothing.
 */
export const statusWorkerHandler =
  (jobs: JobRepository, events?: EventLog, usage?: UsageRepository, jobChanged?: (job: JobView) => Promise<void>): EventHandler =>
  async (event, { log }) => {
    if (event.type === "job.usage") {
      const stored = usage ? await usage.record(event.jobId, event.tenant, event.pods, event.rates) : 0;
      log.debug({ pods: event.pods.length, stored }, "usage recorded");
      return;
    }
    if (event.type === "job.workload") {
      const stored = await jobs.setWorkload(event.jobId, event.workload);
      log.debug({ phase: event.workload.phase, stored }, "workload recorded");
      if (!events && !jobChanged) return;
      const job = await jobs.get(event.jobId);
      if (events && job?.workload?.observedAt === event.workload.observedAt) await events.appendWorkload(job.id, job.tenant, event.workload);
      // Whoever is told of the job's outcome (webhooks) is told once it is known.
      if (job) await jobChanged?.(job);
      return;
    }
    const status = statusOf(event.type);
    const result = await jobs.transition(event.jobId, status, event.at, detailsOf(event), event.tenant);
    if (result === "changed" || result === "created") jobTransitions.inc({ status });
    log.debug({ status, result }, "status event recorded");
    if (!events || result === "unknown") return;
    const job = await jobs.get(event.jobId);
    if (!job) return;
    await events.appendStatus(job);
    // A service gave up on the job after its DELETE: the rollback failed (the status stays ROLLING_BACK).
    const deleteAskedAt = job.history.find((h) => h.status === "ROLLING_BACK")?.at;
    if (event.type === "job.failed" && job.status === "ROLLING_BACK" && deleteAskedAt && event.at >= deleteAskedAt) {
      await events.appendRollbackFailed(job.id, job.tenant, event.at, event.reason);
    }
    await jobChanged?.(job);
  };
