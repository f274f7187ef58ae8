import { z } from "zod";

/**
 * What one pod of a job held on a node: its effective requests (the scheduler's formula) from
 * `status.startTime` until it ended. `endedAt` is absent while it runs; it is then counted up
 * to `observedAt`, the last time the applier looked.
 */
export const PodUsage = z.object({
  uid: z.string().min(1).max(64),
  name: z.string().max(253),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().optional(),
  observedAt: z.iso.datetime(),
  cpu: z.number().min(0).describe("requested CPU cores"),
  memoryGiB: z.number().min(0).describe("requested memory, GiB"),
  gpus: z.number().min(0).describe("requested GPUs (nvidia.com/gpu, amd.com/gpu)"),
});
export type PodUsage = z.infer<typeof PodUsage>;

/** Prices of the deployments pool's nodes per core, GiB and GPU, set from the price table. */
export const UsageRates = z.object({
  cpuCoreHourUsd: z.number().min(0),
  memoryGiBHourUsd: z.number().min(0),
  gpuHourUsd: z.number().min(0),
});
export type UsageRates = z.infer<typeof UsageRates>;

export const UsageTotals = z.object({
  cpuCoreSeconds: z.number(),
  memoryGiBSeconds: z.number(),
  gpuSeconds: z.number(),
  estimatedCostUsd: z.number().describe("core-, GiB- and GPU-hours at the rates; an estimate, not a bill"),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

/** A job's usage on GET /jobs/:id: updated while its pods run, final once none does. */
export const JobUsage = UsageTotals.extend({
  pods: z.number().int().describe("pods counted"),
  runningPods: z.number().int(),
  final: z.boolean().describe("true when no counted pod is still running"),
  observedAt: z.string(),
  rates: UsageRates,
});
export type JobUsage = z.infer<typeof JobUsage>;

/** GET /usage: a tenant's usage in a period, and its most expensive jobs in it. */
export const UsageReport = z.object({
  tenant: z.string(),
  from: z.string(),
  to: z.string(),
  totals: UsageTotals,
  jobs: z.array(UsageTotals.extend({ jobId: z.string() })),
  /** More jobs had usage in the period than one request reads; totals cover the ones read. */
  truncated: z.boolean(),
});
export type UsageReport = z.infer<typeof UsageReport>;

/** How often the applier reports the usage of jobs whose pods still run. */
export const USAGE_REPORT_INTERVAL_MS = 60_000;
/** Pod records per `job.usage` event, and per job in Redis (beyond it, pods are not counted). */
export const MAX_USAGE_PODS_PER_EVENT = 200;
export const MAX_USAGE_PODS_PER_JOB = 10_000;
/** Jobs one GET /usage reads at most; longest period it accepts. */
export const MAX_USAGE_JOBS_PER_REPORT = 2_000;
/** Pod records one GET /usage reads at most (the report says `truncated` beyond). */
export const MAX_USAGE_RECORDS_PER_REPORT = 100_000;
export const MAX_USAGE_PERIOD_DAYS = 366;
