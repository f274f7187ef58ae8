/**
 * cpctl's exit codes, as a script or CI job reads them (docs/reference.md, "cpctl exit codes").
 * This table is the one place they are defined; every command uses it.
 */
export const EXIT = {
  /** The workload succeeded (a Deployment job: it is available); or, without --wait, the request was accepted. */
  ok: 0,
  /** The workload failed (a container's exit code, OOMKilled, a deadline, the backoff limit), the job FAILED, or a rollback failed. */
  failed: 1,
  /** REJECTED, or manifests the API refused as invalid. */
  rejected: 2,
  /** --timeout passed before the job could no longer change. */
  timeout: 3,
  /** Bad usage, authentication, or an unknown (or ambiguous) job: retrying the same command will not help. */
  usage: 4,
  /** The API could not be reached or is overloaded (503, 429, a gateway error): worth retrying. Was 4 before issue 24. */
  unreachable: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code an API answer's HTTP status means, when it is an error. */
export const exitForStatus = (status: number): ExitCode => {
  if ([400, 413, 415, 422].includes(status)) return EXIT.rejected;
  if (status === 429 || status === 502 || status === 503 || status === 504) return EXIT.unreachable;
  return EXIT.usage;
};

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
