import { createHash, randomUUID } from "node:crypto";
import { capProblems, namespaceFor, type JobView } from "../../contract";
import { AppError, DependencyDownError, badRequest } from "../../errors/app-error";
import { parsePool } from "../../manifests/parse-pool";
import type { StoredSubmission, YamlLimits } from "../../manifests/parse-yaml";
import type { Logger } from "../../logging/logger";
import { PublishError, type Broker } from "../../messaging/broker";
import { eventIdOfJob } from "../../messaging/event-ids";
import { fateOf, settleFate, type Fate } from "../../state/job-fate";
import { jobsSubmitted } from "../../metrics/metrics";
import type { IdempotencyKeys } from "../../state/idempotency-keys";
import type { JobRepository } from "../../state/job-repository";
import { jobKeys } from "../../storage/job-keys";
import { putJson, type ObjectStore } from "../../storage/object-store";
import { deriveName, type JobMeta } from "./job-meta";
import type { SubmittedFile } from "./read-submission";

export interface SubmitDeps {
  broker: Broker;
  jobs: JobRepository;
  idempotency: IdempotencyKeys;
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
 * is only sent once the broker confirmed the event. A 503 is only sent when the job will
 * certainly never run: the event never left us, or it left but the job was withdrawn before
 * the YAML Manager took it (state/job-fate.ts); what was written is removed again. When
 * neither can be established the answer says so (504) and keeps the job's traces.
 */
export const submitJob = async (
  deps: SubmitDeps,
  tenant: string,
  files: SubmittedFile[],
  idempotencyKey?: string,
  meta: JobMeta & { resubmittedFrom?: string } = {},
): Promise<SubmitResult> => {
  // Parse once, here: syntax errors are reported before a job exists, and the YAML Manager
  // receives documents instead of parsing the same text again. In a worker thread: a big
  // body must not hold the event loop other requests and health checks need.
  const parsed = await parsePool().parse(files, deps.yamlLimits, tenant);
  if (parsed.problems.length > 0) {
    throw badRequest("the YAML could not be parsed; fix these problems and submit again", { problems: capProblems(parsed.problems) });
  }

  // Known down (it may have gone while the body was read): refuse before writing anything.
  if (!deps.broker.isConnected()) throw refused("the message broker is unavailable");

  const id = randomUUID();
  const name = meta.name ?? deriveName(parsed.documents);
  const details = { ...(name ? { name } : {}), ...(meta.labels ? { labels: meta.labels } : {}), ...(meta.resubmittedFrom ? { resubmittedFrom: meta.resubmittedFrom } : {}) };
  const log = deps.logger.child({ jobId: id });
  // Only requests with an Idempotency-Key pay for hashing their body.
  let claim: { key: string; value: string } | undefined;
  if (idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) throw badRequest("Idempotency-Key must be 1-200 printable ASCII characters");
    const fingerprint = createHash("sha256").update(JSON.stringify(meta.name || meta.labels || meta.resubmittedFrom ? [files, meta] : files)).digest("hex").slice(0, 32);
    const value = `${id} ${fingerprint}`;
    let replayed: SubmitResult | undefined;
    try {
      replayed = await claimOrReplay(deps, tenant, idempotencyKey, value, fingerprint);
    } catch (err) {
      // Redis did not answer: our claim may still be written when it does, and would hold the
      // key for a job that never exists (every retry a 409). The release, a compare-and-delete
      // sent behind it on the same connection, runs after it and frees the key again.
      if (err instanceof DependencyDownError) void deps.idempotency.release(tenant, idempotencyKey, value).catch(() => undefined);
      throw err instanceof DependencyDownError ? refused("the job store is unavailable", err) : err;
    }
    if (replayed) return replayed;
    claim = { key: idempotencyKey, value };
  }

  const submissionKey = jobKeys(id).submission;
  const at = new Date().toISOString();
  let stored = false;
  const undo = async (err: unknown, why: string) => {
    log.warn({ err: (err as Error).message }, `${why}; undoing`);
    // Sent now, each one command: on a Redis that hangs they wait behind the writes they undo,
    // on the same connection, and run after them when it answers again (state/redis-client.ts).
    // Waiting for that answer would only hold the 503 back, so then it is not waited for.
    const redisUndo = Promise.allSettled([deps.jobs.remove(id, tenant), claim ? deps.idempotency.release(tenant, claim.key, claim.value) : Promise.resolve()]);
    const storeUndo = stored ? deps.store.delete(submissionKey) : Promise.resolve();
    const redisDown = err instanceof DependencyDownError && err.dependency === "redis";
    await Promise.allSettled([storeUndo, redisDown ? Promise.resolve() : redisUndo]);
  };
  try {
    const submission: StoredSubmission = { files, documents: parsed.documents };
    await putJson(deps.store, submissionKey, submission);
    stored = true;
    await deps.jobs.transition(id, "PENDING", at, details, tenant);
    await deps.broker.publish({
      type: "job.submitted",
      eventId: eventIdOfJob(id, "job.submitted"),
      jobId: id,
      tenant,
      at,
      namespace: namespaceFor(id),
      submissionKey,
      files: files.map((f) => ({ name: f.name, bytes: Buffer.byteLength(f.text) })),
    });
  } catch (err) {
    if (!(err instanceof PublishError && err.sent)) {
      // Nothing reached the broker: the job can never run.
      await undo(err, "submission failed before the broker had it");
      throw refused(err instanceof DependencyDownError ? `the ${err.dependency === "redis" ? "job store" : err.dependency} is unavailable` : "a dependency failed", err);
    }
    // The broker may have taken "job submitted": race the YAML Manager for the job's fate.
    let fate: Fate;
    try {
      fate = await settleFate(deps.store, id, "withdrawn");
    } catch (fenceErr) {
      log.error({ err: (err as Error).message, fenceErr: (fenceErr as Error).message }, "neither confirmed nor withdrawn: outcome unknown");
      throw new AppError(
        `job ${id} could not be confirmed and may or may not run: see GET /jobs/${id}${claim ? ", or retry with the same Idempotency-Key" : ""}`,
        { status: 504, details: { jobId: id }, cause: err },
      );
    }
    if (fate === "withdrawn") {
      await undo(err, "broker did not confirm; job withdrawn before anyone took it");
      throw refused("the message broker did not confirm in time", err);
    }
    log.warn({ err: (err as Error).message }, "broker did not confirm, but the YAML Manager had already taken the job: accepted");
  }
  jobsSubmitted.inc();
  log.info({ files: files.length }, "job accepted");
  // The job may already be further along; the answer to this request is what it accepted.
  return { job: { ...pendingView(id, tenant, at), ...details }, replayed: false };
};

/** A 503 that says what to do and no more: internal addresses and driver messages stay in the logs. */
const refused = (what: string, cause?: unknown) =>
  new AppError(`could not accept the job right now: ${what}; nothing was kept, retry later`, { status: 503, retryable: true, cause });

/**
 * Claim the Idempotency-Key for this request, or answer as the earlier request with that key
 * did. A claim naming a job that was withdrawn (its request got a 503 and could not release
 * the key) is stale: it is taken over, so the retry gets the one job it asked for.
 */
const claimOrReplay = async (deps: SubmitDeps, tenant: string, key: string, value: string, fingerprint: string): Promise<SubmitResult | undefined> => {
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await deps.idempotency.claim(tenant, key, value, deps.idempotencyTtlSeconds);
    if (existing === null) return undefined;
    const [jobId, theirs] = existing.split(" ");
    if (theirs !== fingerprint) {
      throw new AppError("Idempotency-Key was already used with a different body; use a new key for a new job", { status: 422 });
    }
    const job = jobId ? await deps.jobs.findOwned(jobId, tenant) : null;
    if (job) return { job, replayed: true };
    if (!jobId || (await fateOf(deps.store, jobId)) !== "withdrawn") break;
    await deps.idempotency.release(tenant, key, existing);
  }
  // The first request with this key is still being accepted.
  throw new AppError("a request with this Idempotency-Key is in progress; retry shortly", { status: 409, retryAfterSeconds: 1 });
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
