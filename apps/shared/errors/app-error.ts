/**
 * The one error type services throw on purpose. `status` is the HTTP answer; `retryable`
 * tells a consumer whether to try the message again or dead-letter it.
 */
export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  readonly details?: unknown;
  /** For 429 and 503: when the client may try again (the Retry-After header). */
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    opts: { status?: number; retryable?: boolean; details?: unknown; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = "AppError";
    this.status = opts.status ?? 500;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/**
 * A dependency (Redis, the broker) cannot be reached right now. Not the message's fault:
 * consumers wait for it to come back instead of spending the message's attempts.
 */
export class DependencyDownError extends AppError {
  constructor(readonly dependency: string, cause?: unknown) {
    super(`${dependency} is unavailable: ${(cause as Error | undefined)?.message ?? "no connection"}`, { status: 503, retryable: true, cause });
    this.name = "DependencyDownError";
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(message, { status: 400, details });
export const notFound = (message: string) => new AppError(message, { status: 404 });
export const unavailable = (message: string, cause?: unknown) =>
  new AppError(message, { status: 503, retryable: true, cause });
