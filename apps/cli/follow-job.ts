import type { Job, StreamEvent } from "../shared/api-client/client";
import { followStream, StreamRefused } from "../shared/api-client/client";
import { STATUS_RANK } from "../shared/contract";
import { CliError, EXIT, exitForStatus } from "./exit-codes";

export interface FollowOptions {
  /** Stop as soon as this holds (e.g. a settled status); otherwise follow until the server ends the stream. */
  until?: (job: Job) => boolean;
  /** Give up (exit 3) after this long; 0 waits for ever. */
  timeoutMs: number;
  onEvent?: (event: StreamEvent, job: Job) => void;
  /** How long the API may stay unreachable, once it was reached, before giving up (exit 5). */
  reconnectForMs?: number;
}

export interface FollowResult {
  job: Job;
  rollbackFailed?: string;
}

/** Where the stream is: the API's base URL and the caller's token. */
export interface StreamTarget {
  api: string;
  token?: string;
}

/**
 * Whether a streamed state is at least as new as the job was when following began: the stream
 * replays the job's history first, and `until` must not stop at a state the job has left (a
 * Deployment that failed to pull once, and runs now).
 */
const caughtUp = (job: Job, snapshot: Job | undefined): boolean => {
  if (!snapshot) return true;
  const rank = STATUS_RANK[job.status as keyof typeof STATUS_RANK] ?? 0;
  const was = STATUS_RANK[snapshot.status as keyof typeof STATUS_RANK] ?? 0;
  if (rank !== was) return rank > was;
  const seen = snapshot.workload?.observedAt;
  return !seen || (job.workload?.observedAt ?? "") >= seen;
};

const causeOf = (err: unknown) => (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;

/**
 * Follow a job's event stream until `until` holds or the server ends it, through the shared
 * SSE client (apps/shared/api-client/event-stream.ts, the console's too): a dropped connection
 * is resumed with the last event id, so no event is lost or repeated. An API that cannot be
 * reached at all is said at once (exit 5), not after the reconnect window. `until` is only
 * checked on states at least as new as the job's when following began (see caughtUp).
 */
export const followJob = async (target: StreamTarget, id: string, opts: FollowOptions): Promise<FollowResult> => {
  const abort = new AbortController();
  let timedOut = false;
  const timer = opts.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), abort.abort()), opts.timeoutMs) : undefined;
  let job: Job | undefined;
  let rollbackFailed: string | undefined;
  const timeout = () => new CliError(`timed out waiting for job ${id}${job ? ` (last status ${job.status})` : ""}`, EXIT.timeout);
  const reconnectForMs = opts.reconnectForMs ?? 30_000;
  const base = target.api.replace(/\/$/, "");
  const auth = (): Record<string, string> => (target.token ? { Authorization: `Bearer ${target.token}` } : {});
  // The job as it stands now; a failure here is left to the stream, which says why.
  const snapshot = opts.until
    ? await fetch(`${base}/jobs/${encodeURIComponent(id)}`, { headers: auth(), signal: abort.signal }).then(
        async (r) => (r.ok ? ((await r.json()) as Job) : undefined),
        () => undefined,
      )
    : undefined;

  try {
    const outcome = await followStream({
      url: `${base}/jobs/${encodeURIComponent(id)}/events`,
      headers: auth,
      signal: abort.signal,
      retry: { firstMs: 500, maxMs: 5_000, jitter: 0.2 },
      onMessage: (msg) => {
        const event = JSON.parse(msg.data) as StreamEvent;
        if (event.type === "status") job = event.job;
        else if (event.type === "workload" && job) job = { ...job, workload: event.workload };
        else if (event.type === "rollback_failed") rollbackFailed = event.reason;
        if (job) opts.onEvent?.(event, job);
        return Boolean(job && (rollbackFailed || (opts.until?.(job) && caughtUp(job, snapshot))));
      },
      // Never reached: a wrong address or a stopped API, and waiting will not change that.
      onError: (f) => (!f.everConnected && !(f.error instanceof StreamRefused)) || f.failingForMs > reconnectForMs,
    });
    if (outcome.how === "aborted" || timedOut) throw timeout();
    if (outcome.how === "gave-up") {
      const err = outcome.error;
      if (err instanceof StreamRefused) {
        if ([400, 401, 403, 404].includes(err.status)) throw Object.assign(new CliError(err.message, exitForStatus(err.status)), { status: err.status });
        throw new CliError(`lost the connection to the API and could not resume: ${err.message}`, EXIT.unreachable);
      }
      if (!job) throw new CliError(`could not reach the API at ${target.api}: ${causeOf(err)} (is it running? check --api, CP_API_URL or your profile)`, EXIT.unreachable);
      throw new CliError(`lost the connection to the API and could not resume: ${causeOf(err)}`, EXIT.unreachable);
    }
    if (!job) throw new CliError(`the event stream of job ${id} ended before its first event`, EXIT.usage);
    return { job, ...(rollbackFailed ? { rollbackFailed } : {}) };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
};
