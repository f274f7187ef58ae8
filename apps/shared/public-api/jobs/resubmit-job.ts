import { AppError } from "../../errors/app-error";
import type { StoredSubmission } from "../../manifests/parse-yaml";
import { jobKeys } from "../../storage/job-keys";
import { ObjectNotFoundError, getJson } from "../../storage/object-store";
import type { JobMeta } from "./job-meta";
import { submitJob, type SubmitDeps, type SubmitResult } from "./submit-job";

/**
 * `POST /jobs/:id/resubmit`: a new job from the stored submission of one of the caller's jobs
 * (another tenant's is a 404, as for every read), through the same path as `POST /yaml` (parse,
 * admission, the same guarantees), keeping the old job's name and labels unless new ones are
 * given, and recording where it came from (`resubmittedFrom`).
 */
export const resubmitJob = async (deps: SubmitDeps, tenant: string, id: string, idempotencyKey: string | undefined, meta: JobMeta): Promise<SubmitResult> => {
  const old = await deps.jobs.getOwned(id, tenant);
  let submission: StoredSubmission;
  try {
    submission = await getJson<StoredSubmission>(deps.store, jobKeys(old.id).submission);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw new AppError(`the submission of job ${old.id} is no longer stored; submit the manifests again`, { status: 410 });
    throw err;
  }
  const name = meta.name ?? old.name;
  const labels = meta.labels ?? old.labels;
  return submitJob(deps, tenant, submission.files, idempotencyKey, { ...(name ? { name } : {}), ...(labels ? { labels } : {}), resubmittedFrom: old.id });
};
