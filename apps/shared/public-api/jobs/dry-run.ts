import { Router, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { DryRunResult } from "../../contract";
import { badRequest } from "../../errors/app-error";
import { tenantOf } from "../../http/auth";
import { admissionPool } from "../../manifests/parse-pool";
import type { YamlLimits } from "../../manifests/parse-yaml";
// The YAML Manager's own admission, so the dry run's verdict is the one a submission would get.
// It runs in the pool's workers: the entrypoint's thread never loads the Kubernetes schemas.
import type { AdmissionPolicy } from "../../admission/admit";
import { readSubmission, type SubmissionLimits } from "./read-submission";

/** A placeholder job id: the dry run places objects as for a job, but no job exists. */
const DRY_RUN_JOB = "00000000-0000-4000-8000-000000000000";

export { admissionPolicyOf } from "../../admission/policy-from-env";

/** Only `?dryRun=true` is ours; anything else goes on to the real submission route. */
const onlyDryRun = (req: Request, _res: Response, next: NextFunction) => {
  const v = req.query.dryRun;
  if (v === undefined || v === "false") return next("route");
  if (v !== "true") throw badRequest("dryRun must be true or false");
  next();
};

/**
 * `POST /yaml?dryRun=true`: the same body limits, parser and admission as a submission,
 * answered at once: 200 with every problem and warning (both empty when acceptable). No job
 * id, no storage, no event, no job record: nothing is written.
 */
export const dryRunRoutes = (deps: { policy: AdmissionPolicy; yamlLimits: YamlLimits; limits: SubmissionLimits }, auth: RequestHandler): Router => {
  const r = Router();
  r.post("/yaml", onlyDryRun, auth, async (req, res) => {
    const files = await readSubmission(req, deps.limits);
    // Parsing and admission both in a worker thread, under the pool's time limit, as for a
    // submission: a big body must not hold the event loop (it once held it for 10 s).
    const outcome = await admissionPool().admit({ files, limits: deps.yamlLimits, jobId: DRY_RUN_JOB, policy: deps.policy, tenant: tenantOf(res) });
    const result: DryRunResult = outcome.ok
      ? { ok: true, problems: [], warnings: outcome.warnings.map(({ file, document, object, path, message, line }) => ({ file, document, object, path, message, ...(line !== undefined ? { line } : {}) })), resources: outcome.resources.map(({ namespace: _ns, ...ref }) => ref) }
      : { ok: false, problems: outcome.problems, warnings: [], resources: [] };
    res.status(200).json(result);
  });
  return r;
};
