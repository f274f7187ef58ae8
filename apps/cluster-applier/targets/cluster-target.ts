import type { ResourceRef, TargetKind } from "../../shared/contract";

export type Manifest = Record<string, unknown>;

/** Thrown when the target refuses a job for good (retrying would not help). */
export class ApplyRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApplyRefusedError";
  }
}

/**
 * Where the Cluster Applier puts a job. Both operations are idempotent: applying twice
 * leaves one copy, rolling back what is gone is a no-op.
 */
export interface ClusterTarget {
  readonly kind: TargetKind;
  /** Apply all manifests of a job into its namespace (queued for its tenant); returns what now exists. */
  apply(jobId: string, manifests: Manifest[], tenant?: string): Promise<ResourceRef[]>;
  /** Remove everything the job created; returns what was removed. */
  rollback(jobId: string): Promise<ResourceRef[]>;
  check(): Promise<void>;
}
