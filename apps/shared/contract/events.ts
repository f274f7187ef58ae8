import { z } from "zod";
import { AdmissionWarning, Problem, ResourceRef, TargetKind, Workload } from "./job";
import { MAX_USAGE_PODS_PER_EVENT, PodUsage, UsageRates } from "./usage";
import { capProblems, capWarnings } from "./problem-limits";

/**
 * Events on the jobs exchange. The routing key is the event type, so bindings read as
 * "what a service wants to hear about".
 */
export const EVENT_TYPES = [
  "job.submitted",
  "job.validated",
  "job.rejected",
  "job.applied",
  "job.failed",
  "job.deleted",
  "job.rolled_back",
  "job.workload",
  "job.usage",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DEFAULT_TENANT = "default";

const base = {
  eventId: z.string().min(1),
  jobId: z.uuid(),
  /** Who owns the job; every service passes it on unchanged. */
  tenant: z.string().min(1).default(DEFAULT_TENANT),
  at: z.iso.datetime(),
};

export const JobSubmitted = z.object({
  ...base,
  type: z.literal("job.submitted"),
  namespace: z.string(),
  /** The stored submission: the files as sent and the documents parsed from them. */
  submissionKey: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int() })),
});
export const JobValidated = z.object({
  ...base,
  type: z.literal("job.validated"),
  manifestsKey: z.string(),
  resources: z.array(ResourceRef),
  /** What admission changed in the manifests; also stored at jobKeys(id).admission. Capped (problem-limits.ts) on publish and on receipt. */
  warnings: z.array(AdmissionWarning).default([]).transform(capWarnings),
});
export const JobRejected = z.object({
  ...base,
  type: z.literal("job.rejected"),
  reason: z.string(),
  /** Capped (problem-limits.ts) on publish and on receipt: the message, the job record and the streams stay small. */
  problems: z.array(Problem).transform(capProblems),
});
export const JobApplied = z.object({
  ...base,
  type: z.literal("job.applied"),
  target: TargetKind,
  resources: z.array(ResourceRef),
});
export const JobFailed = z.object({ ...base, type: z.literal("job.failed"), reason: z.string() });
export const JobDeleted = z.object({ ...base, type: z.literal("job.deleted") });
export const JobRolledBack = z.object({
  ...base,
  type: z.literal("job.rolled_back"),
  target: TargetKind,
});

/** The job's objects changed in the cluster (not a status change). */
export const JobWorkload = z.object({ ...base, type: z.literal("job.workload"), workload: Workload });

/** What the job's pods held on nodes (pod records merge by uid: repeats and replicas are harmless). */
export const JobUsageEvent = z.object({ ...base, type: z.literal("job.usage"), pods: z.array(PodUsage).max(MAX_USAGE_PODS_PER_EVENT), rates: UsageRates });

export const JobEvent = z.discriminatedUnion("type", [
  JobSubmitted,
  JobValidated,
  JobRejected,
  JobApplied,
  JobFailed,
  JobDeleted,
  JobRolledBack,
  JobWorkload,
  JobUsageEvent,
]);
export type JobEvent = z.infer<typeof JobEvent>;
export type EventOf<T extends EventType> = Extract<JobEvent, { type: T }>;
