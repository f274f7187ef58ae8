import { Router, type Request, type RequestHandler, type Response } from "express";
import { EventId, STATUS_RANK, streamIsOver, type JobView, type StreamEvent } from "../../contract";
import { AppError, badRequest } from "../../errors/app-error";
import { tenantOf } from "../../http/auth";
import type { Logger } from "../../logging/logger";
import type { JobRepository } from "../../state/job-repository";
import type { EventLog, StreamEntry } from "../../state/event-log";
import { callRedis } from "../../state/redis-errors";
import { openSse, type SseWriter } from "./sse";
import type { StreamTail } from "./stream-tail";

export interface EventRouteDeps {
  jobs: JobRepository;
  events: EventLog;
  tail: StreamTail;
  heartbeatMs: number;
  logger: Logger;
  /** Shared with the log streams: a bound on open streams per process and per tenant. */
  streams: StreamBudget;
  /** What a client that does not read may leave in this process before its stream is cut (sse.ts). */
  bufferBytes?: number;
}

/**
 * Open long-lived responses of this process (event streams and log streams): past `perTenant`
 * for one tenant, that tenant's new ones get 429; past `max` in all, new ones get 503. One
 * tenant holding its share leaves the rest to the others.
 */
export class StreamBudget {
  private open = 0;
  private readonly byTenant = new Map<string, number>();
  private readonly writers = new Set<{ close(): void }>();
  constructor(
    readonly max: number,
    readonly perTenant: number = max,
  ) {}
  /** Streams open now, in all or for one tenant. */
  count(tenant?: string): number {
    return tenant === undefined ? this.open : (this.byTenant.get(tenant) ?? 0);
  }
  take(res: Response, close: () => void, tenant = ""): void {
    const mine = this.byTenant.get(tenant) ?? 0;
    if (this.open >= this.max) throw new AppError(`too many open streams on this server (${this.max}); retry later`, { status: 503, retryable: true });
    if (mine >= this.perTenant) {
      throw new AppError(`too many open streams for your tenant on this server (${this.perTenant}); close one or retry later`, { status: 429, retryable: true, retryAfterSeconds: 5 });
    }
    this.open++;
    this.byTenant.set(tenant, mine + 1);
    const w = { close };
    this.writers.add(w);
    res.on("close", () => {
      this.open--;
      const n = (this.byTenant.get(tenant) ?? 1) - 1;
      if (n <= 0) this.byTenant.delete(tenant);
      else this.byTenant.set(tenant, n);
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

/**
 * A job's stream ends when what it has streamed can no longer change, unless the job's record
 * is already ahead of it: a DELETE moves the record to ROLLING_BACK at once, and the status
 * worker streams that a moment later. A client that opens a watch right after its DELETE (the
 * console does) would otherwise get DONE and `end`, and never hear of the rollback.
 */
const isOver = (state: State, record: Pick<JobView, "status">): boolean => Boolean(state && streamIsOver(state) && STATUS_RANK[record.status] <= STATUS_RANK[state.status]);

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
      // The next page once the client took this one: history never piles up in this process.
      await sse.drained();
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

  /**
   * "From now" as a cursor, without touching the stream: the server's clock, one millisecond
   * back. Stream ids are `<ms>-<seq>` from that same clock and never go backwards
   * (https://redis.io/docs/latest/develop/data-types/streams/#entry-ids), so whatever is appended
   * after this call sorts after it. Reading the newest entry instead (XREVRANGE COUNT 1, or XINFO
   * STREAM, which returns the first and last entries whole) costs the size of that entry on the
   * one shared connection: a 4 MB event cost 10 ms of Redis per request.
   */
  const nowCursor = async (): Promise<string> => {
    const [seconds, micros] = await callRedis(() => deps.events.redis.time());
    return `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - 1}-18446744073709551615`;
  };


  r.get(
    "/jobs/:id/events",
    auth,
    guarded(async (req, res) => {
      const id = req.params.id as string;
      const follow = follows(req);
      let after = resumeFrom(req);
      const job = await deps.jobs.getOwned(id, tenantOf(res));
      const key = deps.events.jobStream(id);
      const fromNow = after === "$";
      if (fromNow) after = await nowCursor();

      // Where the job stood at the client's last event: the newest status event up to it
      // ("from now": the job as it stands, without reading its stream back).
      let state: State;
      if (fromNow) state = job;
      else if (after) {
        const back = await deps.events.readBackFrom(key, after, 200);
        const lastStatus = back.find((e) => e.event.type === "status");
        for (const e of [...back.slice(0, lastStatus ? back.indexOf(lastStatus) + 1 : 0)].reverse()) state = fold(state, e.event);
        if (!lastStatus) state = job;
      }

      // The budget is checked before the headers go out, so a refusal is still a plain 503.
      // At shutdown the stream is cut without an `end` event: the client resumes on another replica.
      deps.streams.take(res, () => res.end(), tenantOf(res));
      const sse = openSse(res, deps.heartbeatMs, deps.bufferBytes);
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
      if (!follow || isOver(state, job)) return finish();

      const unsubscribe = deps.tail.subscribe(key, cursor ?? "0-0", (entries) => {
        for (const e of entries) {
          sse.send(e.event.type, e.event, e.id);
          state = fold(state, e.event);
        }
        if (isOver(state, job)) finish();
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
      if (after === "$") after = await nowCursor();
      deps.streams.take(res, () => res.end(), tenantOf(res));
      const sse = openSse(res, deps.heartbeatMs, deps.bufferBytes);
      const cursor = await replay(sse, key, after, () => undefined);
      if (!follow) return sse.end({});
      sse.onClose(deps.tail.subscribe(key, cursor ?? "0-0", (entries) => entries.forEach((e) => sse.send(e.event.type, e.event, e.id))));
    }),
  );

  return r;
};
