import type { ApiClient, Job, StreamEvent } from "../shared/api-client/client";
import { sseMessages } from "../shared/api-client/client";
import { CliError, EXIT } from "./exit-codes";

export interface FollowOptions {
  /** Stop as soon as this holds (e.g. a settled status); otherwise follow until the server ends the stream. */
  until?: (job: Job) => boolean;
  /** Give up (exit 3) after this long; 0 waits for ever. */
  timeoutMs: number;
  onEvent?: (event: StreamEvent, job: Job) => void;
  /** How long the API may stay unreachable before giving up (exit 4). */
  reconnectForMs?: number;
}

export interface FollowResult {
  job: Job;
  rollbackFailed?: string;
}

const apiError = (error: unknown, status: number) => {
  const msg = (error as { error?: string } | undefined)?.error ?? `HTTP ${status}`;
  return new CliError(msg, EXIT.usage);
};

/**
 * Follow a job's event stream until `until` holds or the server ends it. A dropped
 * connection is resumed with the last event id, so no event is lost or repeated.
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
          if (job && (rollbackFailed || opts.until?.(job))) return result();
        }
        // The stream broke without its end event: resume after the last event seen.
      } catch (err) {
        if (err instanceof CliError) throw err;
        if (timedOut) throw new CliError(`timed out waiting for job ${id}${job ? ` (last status ${job.status})` : ""}`, EXIT.timeout);
        failingSince ??= Date.now();
        if (Date.now() - failingSince > (opts.reconnectForMs ?? 30_000)) {
          throw new CliError(`lost the connection to the API and could not resume: ${(err as Error).message}`, EXIT.usage);
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
