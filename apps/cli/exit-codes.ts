/** cpctl's exit codes, as a script or CI job reads them (docs/reference.md, "cpctl exit codes"). */
export const EXIT = {
  /** DONE (or accepted / deleted, without --wait); valid manifests. */
  ok: 0,
  /** FAILED, a failed workload, or a rollback that failed. */
  failed: 1,
  /** REJECTED, or manifests the API refused as invalid. */
  rejected: 2,
  /** --timeout passed before the job settled. */
  timeout: 3,
  /** Bad usage, authentication, an unknown job, or the API could not be reached. */
  usage: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a given exit code; the message goes to stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: ExitCode,
  ) {
    super(message);
    this.name = "CliError";
  }
}
