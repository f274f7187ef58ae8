import { z } from "zod";
import { JobUsage } from "./usage";

import { JOB_STATUSES } from "./browser-safe";

export { JOB_STATUSES };
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

/**
 * Order of progress. A job never moves to a lower rank, so late or repeated events cannot
 * undo newer news. Statuses of equal rank are alternatives (a job is DONE or REJECTED or
 * FAILED, never two of them): the first one to arrive wins.
 */
export const STATUS_RANK: Readonly<Record<JobStatus, number>> = Object.freeze({
  PENDING: 0,
  APPLYING_IN_CLUSTER: 1,
  DONE: 2,
  REJECTED: 2,
  FAILED: 2,
  ROLLING_BACK: 3,
  ROLLED_BACK: 4,
});

/** Where the applier sends manifests. The real Kubernetes target comes with issue 3. */
export const TargetKind = z.enum(["dry-run", "kubernetes"]);
export type TargetKind = z.infer<typeof TargetKind>;

export const ResourceRef = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
});
export type ResourceRef = z.infer<typeof ResourceRef>;

/** One thing wrong with a submission, precise enough to fix without guessing. */
export const Problem = z.object({
  file: z.string().optional(),
  /** 1-based position of the document in its file. */
  document: z.number().int().nonnegative().optional(),
  line: z.number().int().positive().optional(),
  /** `Kind/name` of the object, when it has one. */
  object: z.string().optional(),
  /** JSON path inside the object, e.g. `spec.template.spec.containers[0].securityContext`. */
  path: z.string().optional(),
  /** Short id of the rule that was broken, e.g. `pod-security/privileged`. */
  rule: z.string().optional(),
  /** What is wrong and how to fix it. */
  message: z.string(),
});
export type Problem = z.infer<typeof Problem>;

/**
 * A change admission made to a manifest (a safe default filled in, a server-written field
 * removed), so the user learns at submit time what will run. Same addressing as a Problem.
 */
export const AdmissionWarning = z.object({
  file: z.string().optional(),
  document: z.number().int().nonnegative().optional(),
  /** The line of the field it names in the submitted file (as a Problem's). */
  line: z.number().int().positive().optional(),
  object: z.string().optional(),
  path: z.string().optional(),
  message: z.string(),
});
export type AdmissionWarning = z.infer<typeof AdmissionWarning>;

export const HistoryEntry = z.object({ status: JobStatus, at: z.string() });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** What the job's objects are doing in the cluster, watched after DONE. */
export const WorkloadPhase = z.enum(["Pending", "Running", "Succeeded", "Failed", "Queued"]);
/**
 * Why Kueue has not admitted the job yet (phase Queued): from its Workload objects' conditions
 * and, where the visibility API answered, the position among the ClusterQueue's pending workloads.
 */
export const WorkloadQueue = z.object({
  /** The tenant's ClusterQueue, once Kueue has seen the workload. */
  clusterQueue: z.string().optional(),
  /** Kueue's reason (e.g. WaitingForQuota, NoMatchingFlavor, Preempted) and its message. */
  reason: z.string(),
  message: z.string().optional(),
  /** 0-based position in the ClusterQueue's pending workloads (visibility API), when known. */
  position: z.number().int().nonnegative().optional(),
});
export type WorkloadQueue = z.infer<typeof WorkloadQueue>;
export const Workload = z.object({
  phase: WorkloadPhase,
  queue: WorkloadQueue.optional(),
  pods: z.object({ pending: z.number().int(), running: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  /** Why it is stuck or failing: image pulls, scheduling, pods refused by admission, failed Jobs. */
  problems: z.array(z.string()),
  observedAt: z.string(),
});
export type Workload = z.infer<typeof Workload>;

/** What GET /jobs/:id returns. */
export const JobView = z.object({
  id: z.string(),
  tenant: z.string(),
  status: JobStatus,
  reason: z.string().optional(),
  problems: z.array(Problem).optional(),
  /** What admission changed in the manifests (safe defaults filled in, server fields removed). */
  warnings: z.array(AdmissionWarning).optional(),
  history: z.array(HistoryEntry),
  namespace: z.string(),
  resources: z.array(ResourceRef),
  target: TargetKind.optional(),
  workload: Workload.optional(),
  /** Requested resources × running time of the job's pods, priced (docs/cost.md). */
  usage: JobUsage.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type JobView = z.infer<typeof JobView>;

/** Job ids are UUIDs: unguessable, and `job-<id>` stays a valid DNS label (40 chars). */
export const JobId = z.uuid({ message: "job id must be a UUID" });

export const namespaceFor = (jobId: string): string => `job-${jobId}`;

/** The label every object of a job carries, so the job can be found and removed in full. */
export const JOB_ID_LABEL = "platform.example.dev/job-id";
/** The tenant that submitted the job (for the workload watcher and cost attribution). */
export const TENANT_LABEL = "platform.example.dev/tenant";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "management-app";
