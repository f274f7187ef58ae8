import type { JobView } from "../../contract";
import type { Broker } from "../../messaging/broker";
import { eventIdOfJob } from "../../messaging/event-ids";
import type { JobRepository } from "../../state/job-repository";

/**
 * Ask for a job's rollback. Publishing comes first: the status only says ROLLING_BACK once
 * the request is safely with the broker. A second DELETE changes nothing.
 */
export const deleteJob = async (deps: { broker: Broker; jobs: JobRepository }, tenant: string, id: string): Promise<JobView> => {
  const job = await deps.jobs.getOwned(id, tenant);
  if (job.status === "ROLLING_BACK" || job.status === "ROLLED_BACK") return job;

  const at = new Date().toISOString();
  await deps.broker.publish({ type: "job.deleted", eventId: eventIdOfJob(id, "job.deleted"), jobId: id, tenant, at });
  await deps.jobs.transition(id, "ROLLING_BACK", at, {}, tenant);
  return (await deps.jobs.findOwned(id, tenant)) ?? job;
};
