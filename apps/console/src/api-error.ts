/** An API answer that was not a success, with what the person at the screen should do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds to wait, from Retry-After (429, 503). */
    readonly retryAfter?: number,
    /** The API's own details (for example the problems of a 400). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The message the console shows for a failed call: the server's words, plus what to do. */
export const explain = (err: unknown): string => {
  if (!(err instanceof ApiError)) return `Could not reach the API: ${(err as Error).message}. Check your connection and retry.`;
  const wait = err.retryAfter ? ` Retry in ${err.retryAfter} s.` : "";
  switch (err.status) {
    case 401:
      return "The API needs a valid token for your tenant. Enter it above (it is kept in this tab only).";
    case 429:
      // The tenant's rate, or failed tokens from this address: the server's words say which.
      return `Too many requests (${err.message}).${wait || " Retry shortly."}`;
    case 503:
      return `The service cannot take this now (${err.message}).${wait || " Retry shortly."}`;
    default:
      return err.message;
  }
};
