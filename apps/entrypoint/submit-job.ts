import { createHash, randomUUID } from "node:crypto";
import { namespaceFor, type JobView } from "../shared/contract";
import { AppError, badRequest, unavailable } from "../shared/errors/app-error";
import { parseYamlFiles, type StoredSubmission, type YamlLimits } from "../shared/manifests/parse-yaml";
import type { Logger } from "../shared/logging/logger";
import type { Broker } from "../shared/messaging/broker";
import { jobsSubmitted } from "../shared/metrics/metrics";
import type { JobRepository } from "../shared/state/job-repository";
import { jobKeys } from "../shared/storage/job-keys";
import { putJson, type ObjectStore } from "../shared/storage/object-store";
import type { SubmittedFile } from "./read-submission";

export interface SubmitDeps {
  broker: Broker;
  jobs: JobRepository;
  store: ObjectStore;
  logger: Logger;
  yamlLimits: YamlLimits;
  idempotencyTtlSeconds: number;
}

export interface SubmitResult {
  job: JobView;
  replayed: boolean;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Accept a job: store its files, record it as PENDING, publish "job submitted". The 202
 * is only sent once the broker confirmed the event; if any step fails, what was written is
 * removed again, so a failed request leaves no half-made job behind.
 */
export const submitJob = async (deps: SubmitDeps, tenant: string, files: SubmittedFile[], idempotencyKey?: string): Promise<SubmitResult> => {
  // Parse once, here: syntax errors are reported before a job exists, and the YAML Manager
  // receives documents instead of parsing the same text again.
  const parsed = parseYamlFiles(files, deps.yamlLimits);
  if (parsed.problems.length > 0) {
    throw badRequest("the YAML could not be parsed; fix these problems and submit again", { problems: parsed.problems });
  }

  // Known down (it may have gone while the body was read): refuse before writing anything.
  if (!deps.broker.isConnected()) throw unavailable("message broker unavailable; nothing was kept");

  const id = randomUUID();
  const log = deps.logger.child({ jobId: id });
  // Only requests with an Idempotency-Key pay for hashing their body.
  let claim: { key: string; value: string } | undefined;
  if (idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) throw badRequest("Idempotency-Key must be 1-200 printable ASCII characters");
    const fingerprint = createHash("sha256").update(JSON.stringify(files)).digest("hex").slice(0, 32);
    const value = `${id} ${fingerprint}`;
    const existing = await deps.jobs.claimIdempotencyKey(tenant, idempotencyKey, value, deps.idempotencyTtlSeconds);
    if (existing !== null) return replay(deps, existing, fingerprint);
    claim = { key: idempotencyKey, value };
  }

  const submissionKey = jobKeys(id).submission;
  const at = new Date().toISOString();
  let stored = false;
  try {
    const submission: StoredSubmission = { files, documents: parsed.documents };
    await putJson(deps.store, submissionKey, submission);
    stored = true;
    await deps.jobs.transition(id, "PENDING", at, {}, tenant);
    await deps.broker.publish({
      type: "job.submitted",
      eventId: randomUUID(),
      jobId: id,
      tenant,
      at,
      namespace: namespaceFor(id),
      submissionKey,
      files: files.map((f) => ({ name: f.name, bytes: Buffer.byteLength(f.text) })),
    });
  } catch (err) {
    log.warn({ err: (err as Error).message }, "submission failed; undoing");
    await Promise.allSettled([
      deps.jobs.remove(id),
      stored ? deps.store.delete(submissionKey) : Promise.resolve(),
      claim ? deps.jobs.releaseIdempotencyKey(tenant, claim.key, claim.value) : Promise.resolve(),
    ]);
    if (err instanceof AppError) throw err;
    throw new AppError("could not accept the job right now; retry later", { status: 503, retryable: true, cause: err });
  }
  jobsSubmitted.inc();
  log.info({ files: files.length }, "job accepted");
  // The job may already be further along; the answer to this request is what it accepted.
  return { job: pendingView(id, tenant, at), replayed: false };
};

const replay = async (deps: SubmitDeps, claim: string, fingerprint: string): Promise<SubmitResult> => {
  const [jobId, theirs] = claim.split(" ");
  if (theirs !== fingerprint) {
    throw new AppError("Idempotency-Key was already used with a different body; use a new key for a new job", { status: 422 });
  }
  const job = jobId ? await deps.jobs.get(jobId) : null;
  if (!job) {
    // The first request with this key is still being accepted.
    throw new AppError("a request with this Idempotency-Key is in progress; retry shortly", { status: 409 });
  }
  return { job, replayed: true };
};

const pendingView = (id: string, tenant: string, at: string): JobView => ({
  id,
  tenant,
  status: "PENDING",
  history: [{ status: "PENDING", at }],
  namespace: namespaceFor(id),
  resources: [],
  createdAt: at,
  updatedAt: at,
});
