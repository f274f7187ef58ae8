import { randomUUID } from "node:crypto";
import { JobId, type JobView } from "../shared/contract";
import { notFound } from "../shared/errors/app-error";
import type { Broker } from "../shared/messaging/broker";
import type { JobRepository } from "../shared/state/job-repository";

/**
 * Ask for a job's rollback. Publishing comes first: the status only says ROLLING_BACK once
 * the request is safely with the broker. A second DELETE changes nothing.
 */
export const deleteJob = async (deps: { broker: Broker; jobs: JobRepository }, tenant: string, id: string): Promise<JobView> => {
  if (!JobId.safeParse(id).success) throw notFound(`no job ${id}`);
  const job = await deps.jobs.get(id);
  // Another tenant's job is answered exactly like a missing one.
  if (!job || job.tenant !== tenant) throw notFound(`no job ${id}`);
  if (job.status === "ROLLING_BACK" || job.status === "ROLLED_BACK") return job;

  const at = new Date().toISOString();
  await deps.broker.publish({ type: "job.deleted", eventId: randomUUID(), jobId: id, tenant, at });
  await deps.jobs.transition(id, "ROLLING_BACK", at, {}, tenant);
  return (await deps.jobs.get(id)) ?? job;
};
