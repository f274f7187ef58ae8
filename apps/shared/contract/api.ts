import { z } from "zod";
import { AdmissionWarning, JobStatus, JobView, Problem, ResourceRef, TargetKind, Workload } from "./job";

/**
 * What the read API adds for the people who run jobs: live events, logs, manifests and the
 * dry run. The CLI and the web console are typed from these (through docs/openapi.yaml).
 */


/** `POST /yaml?dryRun=true`: parsing and admission only; no job, nothing written. */
export const DryRunResult = z.object({
  /** True when the manifests would be accepted (problems is then empty). */
  ok: z.boolean(),
  problems: z.array(Problem),
  warnings: z.array(AdmissionWarning),
  /** What would be created, in submission order (namespace left out: a job gets its own). */
  resources: z.array(ResourceRef),
});
export type DryRunResult = z.infer<typeof DryRunResult>;

/** `GET /jobs/:id/manifests`: what was submitted and what was (or would be) applied. */
export const ManifestsView = z.object({
  jobId: z.string(),
  status: JobStatus,
  /** The files exactly as sent. */
  submitted: z.array(z.object({ name: z.string(), text: z.string() })),
  /** The objects after admission's changes (namespace, labels, defaults); null until validated or when rejected. */
  applied: z.array(z.record(z.string(), z.unknown())).nullable(),
  /** Where they went, once the job is DONE. */
  target: TargetKind.optional(),
  problems: z.array(Problem),
  warnings: z.array(AdmissionWarning),
});
export type ManifestsView = z.infer<typeof ManifestsView>;

const eventBase = { jobId: z.string(), tenant: z.string(), at: z.string() };

/** The job's status changed; `job` is the whole job as it stands after the change. */
export const StatusStreamEvent = z.object({ ...eventBase, type: z.literal("status"), status: JobStatus, job: JobView });
/** What the job's objects do in the cluster changed (phase, pods, problems). */
export const WorkloadStreamEvent = z.object({ ...eventBase, type: z.literal("workload"), workload: Workload });
/** A rollback was given up on: the job stays ROLLING_BACK and an operator must look. */
export const RollbackFailedStreamEvent = z.object({ ...eventBase, type: z.literal("rollback_failed"), reason: z.string() });

/**
 * One Server-Sent Event of `GET /jobs/:id/events` and `GET /events`: the SSE `event:` field
 * is `type`, `data:` is this object as JSON, `id:` resumes after it (Last-Event-ID). The same
 * event has the same id on both endpoints.
 */
export const StreamEvent = z.discriminatedUnion("type", [StatusStreamEvent, WorkloadStreamEvent, RollbackFailedStreamEvent]);
export type StreamEvent = z.infer<typeof StreamEvent>;
export const STREAM_EVENT_TYPES = ["status", "workload", "rollback_failed"] as const;

/** The last event of a per-job stream that closes on purpose (a browser's EventSource would reconnect otherwise). */
export const StreamEnd = z.object({ jobId: z.string(), status: JobStatus });
export type StreamEnd = z.infer<typeof StreamEnd>;
export { STREAM_END_EVENT } from "./browser-safe";

/** Stream entry ids as Redis makes them (`<ms>-<seq>`): the only Last-Event-ID accepted. */
export const EventId = z.string().regex(/^\d{1,20}-\d{1,20}$/, "Last-Event-ID must be an id this API sent, such as 1732540000000-0");

/**
 * When a job's event stream has nothing more to say. ROLLED_BACK is the end; REJECTED and
 * FAILED jobs ran nothing; a job DONE on the dry-run target ran nothing either. A job DONE in a
 * cluster still changes until its workload has Succeeded or Failed (a Deployment never does:
 * its stream stays open until the job is deleted or the client leaves). A DELETE can still
 * move a finished job to ROLLING_BACK; a client that wants that watches again.
 */
export const streamIsOver = (job: { status: JobStatus; target?: TargetKind; workload?: Workload }): boolean => {
  switch (job.status) {
    case "ROLLED_BACK":
    case "REJECTED":
    case "FAILED":
      return true;
    case "DONE": {
      if (job.target !== "kubernetes") return true;
      const w = job.workload;
      // A Deployment job (its summary says whether it is available) can always change: a
      // failing one may recover, a running one may fail.
      if (!w || w.available !== undefined) return false;
      return w.final === true || w.phase === "Succeeded" || w.phase === "Failed";
    }
    default:
      return false;
  }
};

/**
 * When a client that waits for a job (`cpctl submit --wait`, `cpctl watch`) is done: the job
 * can no longer change by itself (streamIsOver: rejected, failed, rolled back, ran nothing, or a
 * final workload), or it is a Deployment job that is available, or that fails with a reason
 * (an image that cannot be pulled, a crash loop, pods refused). An unknown workload phase
 * (one a newer server added, such as a queued one) is not the end.
 */
export const waitIsOver = (job: { status: JobStatus; target?: TargetKind; workload?: Workload }): boolean =>
  streamIsOver(job) || (job.status === "DONE" && (job.workload?.final === true || job.workload?.available === true || job.workload?.phase === "Failed"));

/** Statuses at which the pipeline is through with a job (the workload may still run: see waitIsOver). */
export const SETTLED_STATUSES: readonly JobStatus[] = ["DONE", "REJECTED", "FAILED", "ROLLED_BACK"];

/** `GET /jobs/:id/logs` query. */
export const LogsQuery = z.object({
  container: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "container must be a container name (a DNS label)")
    .optional(),
  tailLines: z.coerce.number().int().min(1).max(100_000).optional(),
  follow: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  /** Live logs only: lines of the last N seconds, each line prefixed with its RFC 3339 time, or the previous (restarted) container's. */
  sinceSeconds: z.coerce.number().int().min(1).max(366 * 24 * 3600).optional(),
  timestamps: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  previous: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
});
export type LogsQuery = z.infer<typeof LogsQuery>;

/** How much of each container's log the applier keeps when its pod ends or is rolled back. */
export const SAVED_LOG_BYTES = 1024 * 1024;
/** Response header of `GET /jobs/:id/logs`: `live` from the cluster, `saved` from storage. */
export const LOG_SOURCE_HEADER = "X-Log-Source";
/** On a live log answer that reads fewer containers than the job has (LOG_MAX_CONTAINERS): `shown/total`; name one with ?container=. */
export const LOG_CONTAINERS_HEADER = "X-Log-Containers";
