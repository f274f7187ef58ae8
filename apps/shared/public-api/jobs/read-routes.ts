import { Router, type RequestHandler } from "express";
import { tenantOf } from "../../http/auth";
import { z } from "zod";
import { JobStatus } from "../../contract";
import { badRequest } from "../../errors/app-error";
import { SelectorError, parseSelector, type Selector } from "../../labels/label-selector";
import { CursorParam } from "../../state/job-cursor";
import type { JobRepository } from "../../state/job-repository";
import type { UsageRepository } from "../../state/usage-repository";

/** The read side of the API: one job, or a page of jobs. */
export const statusRoutes = (jobs: JobRepository, maxPageSize: number, auth: RequestHandler, usage?: UsageRepository): Router => {
  const r = Router();
  r.use("/jobs", auth);
  const ListQuery = z.object({
    status: JobStatus.optional(),
    limit: z.coerce.number().int().min(1).max(maxPageSize).default(Math.min(20, maxPageSize)),
    cursor: CursorParam.optional(),
    name: z.string().max(63).optional(),
    labelSelector: z.string().max(1024).optional(),
  });

  r.get("/jobs", async (req, res) => {
    const q = ListQuery.safeParse(req.query);
    if (!q.success) {
      throw badRequest(`invalid query: ${q.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    }
    const { cursor, name, labelSelector, ...filter } = q.data;
    let selector: Selector = [];
    try {
      selector = labelSelector ? parseSelector(labelSelector) : [];
    } catch (err) {
      if (err instanceof SelectorError) throw badRequest(`${err.message} (Kubernetes label selector syntax, e.g. team=nlp,env in (dev,test),!draft)`);
      throw err;
    }
    if (!name && selector.length === 0) {
      res.json(await jobs.list({ ...filter, after: cursor, tenant: tenantOf(res) }));
      return;
    }
    res.json(await jobs.listMatching({ ...filter, after: cursor, tenant: tenantOf(res), name, selector }));
  });

  // Before /jobs/:id. Counts per status for the console's filter (the listing is paginated).
  r.get("/jobs/counts", async (_req, res) => {
    res.json({ counts: await jobs.countByStatus(tenantOf(res)) });
  });

  r.get("/jobs/:id", async (req, res) => {
    const id = req.params.id;
    const job = await jobs.getOwned(id, tenantOf(res));
    const jobUsage = await usage?.forJob(job.id);
    res.json(jobUsage ? { ...job, usage: jobUsage } : job);
  });

  return r;
};
