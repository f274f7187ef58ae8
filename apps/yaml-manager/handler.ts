import type { EventHandler, Publish } from "../shared/messaging/broker";
import { eventIdAfter } from "../shared/messaging/event-ids";
import type { StoredSubmission } from "../shared/manifests/parse-yaml";
import { settleFate } from "../shared/state/job-fate";
import { jobKeys } from "../shared/storage/job-keys";
import { ObjectNotFoundError, getJson, putJson, type ObjectStore } from "../shared/storage/object-store";
import { summarize, type AdmissionPolicy } from "../shared/admission/admit";
import { admitDocuments } from "../shared/admission/admit-task";

/**
 * On "job submitted": load the parsed submission, admit it, store the result, publish the
 * verdict.
 * Redelivery repeats the same work and reaches the same verdict, published under the same
 * event id (idempotent).
 */
export const yamlManagerHandler =
  (deps: { publish: Publish; store: ObjectStore; policy: AdmissionPolicy }): EventHandler =>
  async (event, { log }) => {
    if (event.type !== "job.submitted") return;
    const now = () => new Date().toISOString();
    const base = { jobId: event.jobId, tenant: event.tenant };

    // Take the job before acting on it; the entrypoint may have withdrawn it already (its
    // client was told 503), and then it must never run (state/job-fate.ts).
    if ((await settleFate(deps.store, event.jobId, "committed")) === "withdrawn") {
      log.info("job withdrawn by the entrypoint; dropping the event");
      return;
    }

    let submission: StoredSubmission;
    try {
      submission = await getJson<StoredSubmission>(deps.store, event.submissionKey);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) {
        // The entrypoint withdrew it (the client got a 503): there is no job to process.
        log.warn("submission withdrawn; dropping the event");
        return;
      }
      // The store already retried with backoff: report it instead of looping.
      const reason = `could not read the job's files from storage: ${(err as Error).message}`;
      log.error({ err: (err as Error).message }, "storage read failed");
      await deps.publish({ ...base, eventId: eventIdAfter(event, "job.failed"), type: "job.failed", at: now(), reason });
      return;
    }

    // Linear in the submission and capped (contract/problem-limits.ts): a huge refused job costs
    // one bounded pass here, and a small job.rejected message, record and stream entry.
    // The same step as the dry run's (admission/admit-task.ts), so both reach the same verdict.
    const verdict = admitDocuments({ files: submission.files, documents: submission.documents, jobId: event.jobId, policy: deps.policy, tenant: event.tenant });
    if (!verdict.ok) {
      log.info({ problems: verdict.problems.length }, "job rejected");
      await deps.publish({ ...base, eventId: eventIdAfter(event, "job.rejected"), type: "job.rejected", at: now(), reason: summarize(verdict.problems), problems: verdict.problems });
      return;
    }
    const manifestsKey = jobKeys(event.jobId).manifests;
    const { warnings } = verdict;
    try {
      await putJson(deps.store, jobKeys(event.jobId).admission, { warnings });
      await putJson(deps.store, manifestsKey, verdict.manifests);
    } catch (err) {
      const reason = `could not store the validated manifests: ${(err as Error).message}`;
      await deps.publish({ ...base, eventId: eventIdAfter(event, "job.failed"), type: "job.failed", at: now(), reason });
      return;
    }
    log.info({ resources: verdict.resources.length, warnings: warnings.length }, "job validated");
    await deps.publish({ ...base, eventId: eventIdAfter(event, "job.validated"), type: "job.validated", at: now(), manifestsKey, resources: verdict.resources, warnings });
  };
