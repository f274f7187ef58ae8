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

/**
 * What the job's objects are doing in the cluster, watched after DONE. The list is meant to
 * grow (Kueue's "Queued": waiting for admission, with its reason and position): clients treat an unknown phase as
 * "not final yet", and only WORKLOAD_FINAL_PHASES end a batch workload.
 */
export const WORKLOAD_PHASES = ["Pending", "Running", "Succeeded", "Failed", "Queued"] as const;
export const WorkloadPhase = z.enum(WORKLOAD_PHASES);
/** Phases a batch workload (Jobs, bare pods) never leaves. */
export const WORKLOAD_FINAL_PHASES: readonly (typeof WORKLOAD_PHASES)[number][] = ["Succeeded", "Failed"];

/**
 * How one container ended, from its pod's status: the current `terminated` state, or, while
 * it restarts, the last one (`lastState.terminated`). Reasons come from the kubelet and the
 * container runtime (`OOMKilled`, `Error`, `Completed`, `ContainerCannotRun`, ...).
 */
export const ContainerOutcome = z.object({
  pod: z.string(),
  container: z.string(),
  exitCode: z.number().int().optional(),
  signal: z.number().int().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  restarts: z.number().int(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type ContainerOutcome = z.infer<typeof ContainerOutcome>;

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
  /** One line: why it failed or is stuck (the worst container, else the Job's or Deployment's condition). */
  reason: z.string().optional(),
  /** The outcome can no longer change (a batch workload Succeeded or Failed); stored and kept once true. */
  final: z.boolean().optional(),
  /** A Deployment job: every Deployment reports Available with all its replicas. */
  available: z.boolean().optional(),
  /** Containers that ended (or last ended, while restarting), failures first; at most WORKLOAD_CONTAINERS_MAX. */
  containers: z.array(ContainerOutcome).optional(),
  /** Container restarts, summed over the job's pods. */
  restarts: z.number().int().optional(),
  /** Pods lost to a disruption (spot reclaim, preemption, eviction: the pod's DisruptionTarget condition); not failures. */
  reclaimed: z.number().int().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type Workload = z.infer<typeof Workload>;
/** Containers listed in a workload summary at most (failures first), so the record stays small. */
export const WORKLOAD_CONTAINERS_MAX = 20;

/** A job's name: a DNS label, as `--name` gives it or derived from its first object. */
export const JOB_NAME_MAX = 63;
export const JobName = z
  .string()
  .max(JOB_NAME_MAX, `a job name is at most ${JOB_NAME_MAX} characters`)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a job name must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit");
/** Labels a job may carry (Kubernetes' key and value rules: apps/shared/labels). */
export const JOB_LABELS_MAX = 16;

/**
 * Filtered listings (GET /jobs?labelSelector=&name=, apps/shared/state/job-filter.ts). Each
 * tenant's jobs are indexed by name and by `key=value`, so `key=value`, `key in (…)` and a name
 * prefix are answered from the indexes. What an index cannot answer (`!=`, `notin`, `key`, `!key`,
 * `>`, `<`) is checked job by job among the indexes' candidates, or among all jobs when nothing
 * else narrows them. Per request at most JOB_LIST_INDEX_READS_MAX index entries and
 * JOB_LIST_SCAN_MAX job records are read; a page cut short by either says so (`partial`).
 */
export const JOB_LIST_SCAN_MAX = 1000;
export const JOB_LIST_INDEX_READS_MAX = 10_000;
/**
 * Distinct `key=value` pairs indexed per tenant (one Redis sorted set each). Past it a new pair is
 * not indexed: its jobs go into the tenant's "unindexed" set, which every label query reads too
 * and checks job by job, so answers stay exact but slower.
 */
export const JOB_LABEL_VALUES_INDEXED_MAX = 10_000;
/**
 * Why a page of a filtered listing stopped before it was full (older jobs may still match; its
 * nextCursor goes on from the last job examined): `scan`, nothing in the filter could use an
 * index and JOB_LIST_SCAN_MAX jobs were checked one by one; `index`, the request read its
 * JOB_LIST_INDEX_READS_MAX index entries (or JOB_LIST_SCAN_MAX candidate jobs) first;
 * `indexing`, the tenant's jobs from before the indexes are still being indexed, and this
 * request checked jobs one by one meanwhile.
 */
export const LIST_PARTIAL_REASONS = ["scan", "index", "indexing"] as const;
export type ListPartialReason = (typeof LIST_PARTIAL_REASONS)[number];
/** A job id prefix the API resolves within the tenant: at least this many characters. */
export const JOB_ID_PREFIX_MIN = 8;

/** What GET /jobs/:id returns. */
export const JobView = z.object({
  id: z.string(),
  tenant: z.string(),
  /** A DNS label: given at submission (`?name=`), else derived from the first object (`job-pi` for Job/pi). */
  name: z.string().optional(),
  /** Given at submission (`?labels=k=v,k2=v2`); `GET /jobs?labelSelector=` selects by them. */
  labels: z.record(z.string(), z.string()).optional(),
  /** The job this one was made from by POST /jobs/:id/resubmit. */
  resubmittedFrom: z.string().optional(),
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
