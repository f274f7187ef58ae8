import { Router, type RequestHandler } from "express";
import { z } from "zod";
import { MAX_USAGE_PERIOD_DAYS } from "../contract";
import { badRequest } from "../errors/app-error";
import { tenantOf } from "../http/auth";
import type { UsageRepository } from "../state/usage-repository";

const DAY_MS = 24 * 3600 * 1000;

const UsageQuery = z
  .object({
    from: z.iso.datetime({ offset: true, message: "an RFC 3339 time, e.g. 2026-11-01T00:00:00Z" }).optional(),
    to: z.iso.datetime({ offset: true, message: "an RFC 3339 time, e.g. 2026-12-01T00:00:00Z" }).optional(),
    top: z.coerce.number().int().min(1).max(100).default(10),
  })
  .transform((q) => {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
    return { from, to, top: q.top };
  })
  .refine((q) => q.from < q.to, "from must be before to")
  .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_USAGE_PERIOD_DAYS * DAY_MS, `the period may span at most ${MAX_USAGE_PERIOD_DAYS} days`);

/** GET /usage?from=&to=&top=: the caller's usage in the period (default: the last 30 days). */
export const usageRoutes = (usage: UsageRepository, auth: RequestHandler): Router => {
  const r = Router();
  r.use("/usage", auth);
  r.get("/usage", async (req, res) => {
    const q = UsageQuery.safeParse(req.query);
    if (!q.success) throw badRequest(`invalid query: ${q.error.issues.map((i) => `${i.path.join(".") || "period"}: ${i.message}`).join("; ")}`);
    res.json(await usage.forTenant(tenantOf(res), q.data.from, q.data.to, q.data.top));
  });
  return r;
};
