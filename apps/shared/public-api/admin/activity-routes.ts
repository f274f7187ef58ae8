import { createHash, timingSafeEqual } from "node:crypto";
import { Router } from "express";
import type { JobView, PlatformActivity } from "../../contract";
import { AppError, notFound } from "../../errors/app-error";
import type { JobRepository } from "../../state/job-repository";

/** Jobs read per tenant: the newest are the ones that can still be busy. */
const RECENT = 100;
const IN_PIPELINE = new Set(["PENDING", "APPLYING_IN_CLUSTER", "ROLLING_BACK"]);
const MOVING = new Set(["Pending", "Running", "Queued"]);

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Whether a job still occupies the platform, and how. */
const busyOf = (j: JobView): { status: string; phase?: string } | undefined => {
  if (IN_PIPELINE.has(j.status)) return { status: j.status, phase: j.workload?.phase };
  if (j.status === "DONE" && (!j.workload || MOVING.has(j.workload.phase))) return { status: j.status, phase: j.workload?.phase };
  return undefined;
};

/** Activity across tenants from their newest jobs (pure, for tests). */
export const activityOf = (jobsByTenant: Record<string, JobView[]>, now: string): PlatformActivity => {
  const busy: PlatformActivity["busy"] = [];
  let last: string | undefined;
  for (const [tenant, jobs] of Object.entries(jobsByTenant)) {
    for (const j of jobs) {
      const b = busyOf(j);
      if (b) busy.push({ id: j.id, tenant, ...b });
      for (const t of [j.updatedAt, j.workload?.observedAt]) if (t && (!last || t > last)) last = t;
    }
  }
  return {
    tenants: Object.keys(jobsByTenant).length,
    busy,
    running: busy.filter((b) => b.phase === "Running").length,
    queued: busy.filter((b) => b.phase === "Queued").length,
    ...(last ? { lastActivityAt: last } : {}),
    observedAt: now,
  };
};

/**
 * GET /admin/activity, for the operator's token only (OPERATOR_TOKEN; unset: the route does not
 * exist). Tenant tokens are refused here, and this token is refused by every tenant route (it is
 * not in API_TOKENS).
 */
export const activityRoutes = (jobs: JobRepository, tenants: readonly string[], operatorToken: string): Router => {
  const r = Router();
  const want = operatorToken ? digest(operatorToken) : undefined;
  r.get("/admin/activity", async (req, res) => {
    if (!want) throw notFound("no operator view: OPERATOR_TOKEN is not set");
    const m = /^Bearer (.+)$/.exec(req.header("authorization") ?? "");
    if (!m || !timingSafeEqual(digest(m[1]!), want)) throw new AppError("the operator's token is required (not a tenant's)", { status: 401 });
    const byTenant: Record<string, JobView[]> = {};
    for (const tenant of tenants) byTenant[tenant] = (await jobs.list({ tenant, limit: RECENT })).items;
    res.json(activityOf(byTenant, new Date().toISOString()));
  });
  return r;
};
