import type { JobEvent } from "../contract";
import type { ConsumeOptions, Publish } from "./broker";
import { eventIdAfter } from "./event-ids";

/**
 * When a service gives up on a job's event, the job must not hang in its last status:
 * publish `job.failed` with the reason. (After a DELETE the job is already past FAILED in
 * rank, so a failed rollback stays ROLLING_BACK; its message waits in the DLQ.)
 */
export const failJobOnGiveUp = (publish: Publish): ConsumeOptions => ({
  onGiveUp: (event: JobEvent, reason: string) =>
    publish({ type: "job.failed", eventId: eventIdAfter(event, "job.failed"), jobId: event.jobId, tenant: event.tenant, at: new Date().toISOString(), reason }),
});
