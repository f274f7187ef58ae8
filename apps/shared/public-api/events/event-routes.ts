import { Router, type Request, type RequestHandler, type Response } from "express";
import { EventId, streamIsOver, type JobView, type StreamEvent } from "../../contract";
import { AppError, badRequest } from "../../errors/app-error";
import { tenantOf } from "../../http/auth";
import type { Logger } from "../../logging/logger";
import type { JobRepository } from "../../state/job-repository";
import type { EventLog, StreamEntry } from "../../state/event-log";
import { openSse, type SseWriter } from "./sse";
import type { StreamTail } from "./stream-tail";

export interface EventRouteDeps {
  jobs: JobRepository;
  events: EventLog;
  tail: StreamTail;
  heartbeatMs: number;
  logger: Logger;
  /** Shared with the log streams: a bound on open streams per process. */
  streams: StreamBudget;
}

/** Open long-lived responses of this process; past `max`, new ones get 503. */
export class StreamBudget {
  private open = 0;
  private readonly writers = new Set<{ close(): void }>();
  constructor(readonly max: number) {}
  take(res: Response, close: () => void): void {
    if (this.open >= this.max) throw new AppError(`too many open streams on this server (${this.max}); retry later`, { status: 503, retryable: true });
    this.open++;
    const w = { close };
    this.writers.add(w);
    res.on("close", () => {
      this.open--;
      this.writers.delete(w);
    });
  }
  /** At shutdown: end every stream so the server can close (clients resume elsewhere). */
  closeAll(): void {
    for (const w of this.writers) w.close();
  }
}

type State = Pick<JobView, "status" | "target" | "workload"> | undefined;
const fold = (state: State, e: StreamEvent): State => {
  if (e.type === "status") return { status: e.status, target: e.job.target, workload: e.job.workload };
  if (e.type === "workload" && state) return { ...state, workload: e.workload };
  return state;
};

const PAGE = 500;
const follows = (req: Request): boolean => {
  const f = req.query.follow;
  if (f === undefined || f === "true") return true;
  if (f === "false") return false;
  throw badRequest("follow must be true or false");
};
/** Last-Event-ID as EventSource sends it on reconnect, or ?lastEventId= for a first connect; `$` means "from now". */
const resumeFrom = (req: Request): string | undefined => {
  const raw = req.get("Last-Event-ID") ?? (typeof req.query.lastEventId === "string" ? req.query.lastEventId : undefined);
  if (raw === undefined || raw === "" || raw === "$") return raw || undefined;
  const ok = EventId.safeParse(raw);
  if (!ok.success) throw badRequest(ok.error.issues[0]!.message);
  return raw;
};

/**
 * `GET /jobs/:id/events` and `GET /events`: the stored history after the client's
 * Last-Event-ID, then live events from Redis (any replica serves any client), heartbeats in
 * between. A job's stream ends once the job can no longer change (see streamIsOver).
 */
export const eventRoutes = (deps: EventRouteDeps, auth: RequestHandler): Router => {
  const r = Router();

  const replay = async (sse: SseWriter, key: string, after: string | undefined, onEvent: (e: StreamEntry) => void): Promise<string | undefined> => {
    let cursor = after;
    for (;;) {
      const page = await deps.events.readAfter(key, cursor, PAGE);
      for (const e of page) {
        sse.send(e.event.type, e.event, e.id);
        onEvent(e);
        cursor = e.id;
      }
      if (page.length < PAGE || sse.closed) return cursor;
    }
  };

  /** Redis failing after the headers went out: close; the client resumes from its last id. */
  const guarded = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    try {
      await handler(req, res);
    } catch (err) {
      if (!res.headersSent) throw err;
      deps.logger.warn({ err: (err as Error).message, path: req.path }, "event stream failed; closing");
      res.end();
    }
  };

  const latestId = async (key: string) => (await deps.events.readBackFrom(key, undefined, 1))[0]?.id;

  r.get(
    "/jobs/:id/events",
    auth,
    guarded(async (req, res) => {
      const id = req.params.id as string;
      const follow = follows(req);
      let after = resumeFrom(req);
      const job = await deps.jobs.getOwned(id, tenantOf(res));
      const key = deps.events.jobStream(id);
      if (after === "$") after = (await latestId(key)) ?? "0-0";

      // Where the job stood at the client's last event: the newest status event up to it.
      let state: State;
      if (after) {
        const back = await deps.events.readBackFrom(key, after, 200);
        const lastStatus = back.find((e) => e.event.type === "status");
        for (const e of [...back.slice(0, lastStatus ? back.indexOf(lastStatus) + 1 : 0)].reverse()) state = fold(state, e.event);
        if (!lastStatus) state = job;
      }

      // The budget is checked before the headers go out, so a refusal is still a plain 503.
      // At shutdown the stream is cut without an `end` event: the client resumes on another replica.
      deps.streams.take(res, () => res.end());
      const sse = openSse(res, deps.heartbeatMs);
      let seen = 0;
      const cursor = await replay(sse, key, after, (e) => {
        seen++;
        state = fold(state, e.event);
      });
      if (seen === 0 && !after) {
        // No stream (expired, or the job predates it): the job as it stands.
        sse.send("status", { type: "status", jobId: id, tenant: job.tenant, at: job.updatedAt, status: job.status, job });
        state = job;
      }
      const finish = () => sse.end({ jobId: id, status: state?.status ?? job.status });
      if (!follow || (state && streamIsOver(state))) return finish();

      const unsubscribe = deps.tail.subscribe(key, cursor ?? "0-0", (entries) => {
        for (const e of entries) {
          sse.send(e.event.type, e.event, e.id);
          state = fold(state, e.event);
        }
        if (state && streamIsOver(state)) finish();
      });
      sse.onClose(unsubscribe);
    }),
  );

  r.get(
    "/events",
    auth,
    guarded(async (req, res) => {
      const follow = follows(req);
      const key = deps.events.tenantStream(tenantOf(res));
      let after = resumeFrom(req);
      if (after === "$") after = (await latestId(key)) ?? "0-0";
      deps.streams.take(res, () => res.end());
      const sse = openSse(res, deps.heartbeatMs);
      const cursor = await replay(sse, key, after, () => undefined);
      if (!follow) return sse.end({});
      sse.onClose(deps.tail.subscribe(key, cursor ?? "0-0", (entries) => entries.forEach((e) => sse.send(e.event.type, e.event, e.id))));
    }),
  );

  return r;
};
