import type { ApiClient, Job, StreamEvent } from "../shared/api-client/client";
import { sseMessages } from "../shared/api-client/client";
import { STATUS_RANK } from "../shared/contract";
import { CliError, EXIT, exitForStatus } from "./exit-codes";

export interface FollowOptions {
  /** Stop as soon as this holds (e.g. a settled status); otherwise follow until the server ends the stream. */
  until?: (job: Job) => boolean;
  /** Give up (exit 3) after this long; 0 waits for ever. */
  timeoutMs: number;
  onEvent?: (event: StreamEvent, job: Job) => void;
  /** How long the API may stay unreachable before giving up (exit 5). */
  reconnectForMs?: number;
}

export interface FollowResult {
  job: Job;
  rollbackFailed?: string;
}

const apiError = (error: unknown, status: number) => {
  const msg = (error as { error?: string } | undefined)?.error ?? `HTTP ${status}`;
  return new CliError(msg, exitForStatus(status));
};

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

/**
 * Follow a job's event stream until `until` holds (on a state at least as new as the job's
 * when following began) or the server ends it. A dropped connection is resumed with the last
 * event id, so no event is lost or repeated.
 */
export const followJob = async (client: ApiClient, id: string, opts: FollowOptions): Promise<FollowResult> => {
  const abort = new AbortController();
  let timedOut = false;
  const timer = opts.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), abort.abort()), opts.timeoutMs) : undefined;
  let lastId: string | undefined;
  let job: Job | undefined;
  let rollbackFailed: string | undefined;
  let failingSince: number | undefined;
  const result = () => ({ job: job!, ...(rollbackFailed ? { rollbackFailed } : {}) });
  const snapshot = opts.until ? await client.GET("/jobs/{id}", { params: { path: { id } }, signal: abort.signal }).then((r) => r.data as Job | undefined, () => undefined) : undefined;

  try {
    for (;;) {
      try {
        const { data, error, response } = await client.GET("/jobs/{id}/events", {
          params: { path: { id }, query: lastId ? { lastEventId: lastId } : {} },
          parseAs: "stream",
          signal: abort.signal,
        });
        if (!data) {
          if (response.status === 404 || response.status === 401 || response.status === 400) throw apiError(error, response.status);
          throw new Error(`HTTP ${response.status}`);
        }
        failingSince = undefined;
        for await (const msg of sseMessages(data)) {
          if (msg.event === "end") return result();
          const event = JSON.parse(msg.data) as StreamEvent;
          if (msg.id) lastId = msg.id;
          if (event.type === "status") job = event.job;
          else if (event.type === "workload" && job) job = { ...job, workload: event.workload };
          else if (event.type === "rollback_failed") rollbackFailed = event.reason;
          if (job) opts.onEvent?.(event, job);
          if (job && (rollbackFailed || (opts.until?.(job) && caughtUp(job, snapshot)))) return result();
        }
        // The stream broke without its end event: resume after the last event seen.
      } catch (err) {
        if (err instanceof CliError) throw err;
        if (timedOut) throw new CliError(`timed out waiting for job ${id}${job ? ` (last status ${job.status})` : ""}`, EXIT.timeout);
        failingSince ??= Date.now();
        if (Date.now() - failingSince > (opts.reconnectForMs ?? 30_000)) {
          throw new CliError(`lost the connection to the API and could not resume: ${(err as Error).message}`, EXIT.unreachable);
        }
      }
      if (timedOut) throw new CliError(`timed out waiting for job ${id}${job ? ` (last status ${job.status})` : ""}`, EXIT.timeout);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
};
