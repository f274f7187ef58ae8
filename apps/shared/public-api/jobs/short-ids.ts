import type { RequestHandler } from "express";
import { JOB_ID_PREFIX_MIN, JobId } from "../../contract";
import { AppError, badRequest, notFound } from "../../errors/app-error";
import { tenantOf } from "../../http/auth";
import type { JobRepository } from "../../state/job-repository";

const JOB_PATH = /^\/jobs\/([^/?]+)(.*)$/s;
/** Paths under /jobs/ that are not a job id. */
const NOT_IDS = new Set(["counts"]);

/**
 * Short ids: `/jobs/<prefix>/…` with at least JOB_ID_PREFIX_MIN characters of a job id is
 * resolved within the caller's tenant and the request goes on as if the whole id had been
 * given (every route under /jobs/:id, reads and writes alike). No job: 404; several: 409
 * listing them (`details.candidates`); fewer characters: 400. A full id goes through untouched.
 */
export const resolveShortIds = (jobs: JobRepository): RequestHandler => async (req, res, next) => {
  const m = JOB_PATH.exec(req.url);
  if (!m || NOT_IDS.has(m[1]!) || JobId.safeParse(m[1]).success) return next();
  const prefix = m[1]!.toLowerCase();
  // Not an id at all: the route answers as for any unknown job.
  if (!/^[0-9a-f-]{1,36}$/.test(prefix)) return next();
  if (prefix.length < JOB_ID_PREFIX_MIN) throw badRequest(`a job id prefix needs at least ${JOB_ID_PREFIX_MIN} characters ("${prefix}" has ${prefix.length}); give more of the id`);
  const ids = await jobs.resolveIdPrefix(tenantOf(res), prefix);
  if (ids.length === 0) throw notFound(`no job whose id starts with ${prefix}`);
  if (ids.length > 1) {
    throw new AppError(`job id prefix ${prefix} matches ${ids.length === 10 ? "10 or more" : ids.length} jobs (${ids.join(", ")}); give more of the id`, { status: 409, details: { candidates: ids } });
  }
  req.url = `/jobs/${ids[0]}${m[2]}`;
  next();
};
