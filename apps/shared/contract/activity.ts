import { z } from "zod";

/**
 * GET /admin/activity: what the platform is doing across all tenants, for the idle-destroy
 * workflow (scripts/idle/). Served only to the operator's credential (OPERATOR_TOKEN), never to a
 * tenant's token, and it names no job's content: ids, tenants, statuses and times.
 */
export const PlatformActivity = z.object({
  tenants: z.number().int().describe("tenants looked at (those with API tokens)"),
  /** Jobs still moving: in the pipeline, queued by Kueue, pending or running in the cluster. */
  busy: z.array(z.object({ id: z.string(), tenant: z.string(), status: z.string(), phase: z.string().optional() })),
  running: z.number().int(),
  queued: z.number().int(),
  /** The newest change any job saw (status, workload), or none when there are no jobs. */
  lastActivityAt: z.string().optional(),
  observedAt: z.string(),
});
export type PlatformActivity = z.infer<typeof PlatformActivity>;
