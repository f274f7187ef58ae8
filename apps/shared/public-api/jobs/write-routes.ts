import { Router, type RequestHandler } from "express";
import { tenantOf } from "../../http/auth";
import { deleteJob } from "./delete-job";
import { metaFromQuery } from "./job-meta";
import { resubmitJob } from "./resubmit-job";
import { readSubmission, type SubmissionLimits } from "./read-submission";
import { submitJob, type SubmitDeps } from "./submit-job";

/** The write side of the API: submit a job, ask for its deletion. */
export const entrypointRoutes = (deps: SubmitDeps, limits: SubmissionLimits, auth: RequestHandler): Router => {
  const r = Router();
  // Authenticate on these routes only: a path-wide `use` would also count the status
  // worker's GET /jobs against the rate limit. (Load is shed before express: service.ts.)

  r.post("/yaml", auth, async (req, res) => {
    // Name and labels are checked before the body is read: a bad one costs nothing.
    const meta = metaFromQuery(req.query as Record<string, unknown>);
    const files = await readSubmission(req, limits);
    const key = req.get("Idempotency-Key");
    const { job, replayed } = await submitJob(deps, tenantOf(res), files, key, meta);
    res
      .status(202)
      .location(`/jobs/${job.id}`)
      .set("Idempotent-Replayed", String(replayed))
      .json(job);
  });

  r.post("/jobs/:id/resubmit", auth, async (req, res) => {
    const meta = metaFromQuery(req.query as Record<string, unknown>);
    const { job, replayed } = await resubmitJob(deps, tenantOf(res), String(req.params.id), req.get("Idempotency-Key"), meta);
    res
      .status(202)
      .location(`/jobs/${job.id}`)
      .set("Idempotent-Replayed", String(replayed))
      .json(job);
  });

  r.delete("/jobs/:id", auth, async (req, res) => {
    const job = await deleteJob(deps, tenantOf(res), String(req.params.id));
    res.status(202).location(`/jobs/${job.id}`).json(job);
  });

  return r;
};
