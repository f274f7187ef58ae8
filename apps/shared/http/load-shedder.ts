import { monitorEventLoopDelay } from "node:perf_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestsShed } from "../metrics/metrics";

export interface ShedderOptions {
  /** The latency budget of an accepted request; the limit shrinks when answers take longer. */
  targetMs: number;
  minLimit: number;
  maxLimit: number;
  initialLimit: number;
  /** Refuse while the event loop lags more than this (the process has no CPU to spare); 0: never. */
  maxLagMs: number;
  /** The Retry-After of a refusal, in seconds. */
  retryAfterSeconds: number;
}

export const DEFAULT_SHEDDER: ShedderOptions = {
  targetMs: 150,
  minLimit: 2,
  maxLimit: 512,
  initialLimit: 16,
  maxLagMs: 250,
  retryAfterSeconds: 1,
};

/**
 * An adaptive cap on the requests in progress (additive increase, multiplicative decrease,
 * as TCP does with its window): each answer within the budget while at least half the cap is
 * in use grows the cap by 1/cap; an answer over budget cuts it by a quarter, at most once
 * per budget interval. Beyond the cap a request is refused at once, before any work, so the
 * accepted ones stay fast. Pure state, no I/O: tested without a server.
 */
export class AdaptiveLimit {
  private limit: number;
  private inFlight = 0;
  private lastCut = 0;

  constructor(private readonly o: Pick<ShedderOptions, "targetMs" | "minLimit" | "maxLimit" | "initialLimit">) {
    this.limit = o.initialLimit;
  }

  get current(): number {
    return Math.floor(this.limit);
  }

  get active(): number {
    return this.inFlight;
  }

  tryAcquire(): boolean {
    if (this.inFlight >= Math.floor(this.limit)) return false;
    this.inFlight++;
    return true;
  }

  /** Past the cap, for a caller with nothing in progress (createShedder), up to twice the cap. */
  tryAcquireBeyond(): boolean {
    if (this.inFlight >= 2 * Math.floor(this.limit)) return false;
    this.inFlight++;
    return true;
  }

  /** A request that was let in has its answer; `ms` is how long it took. */
  release(ms: number, now = performance.now()): void {
    const busy = this.inFlight >= Math.floor(this.limit) / 2;
    this.inFlight--;
    if (ms > this.o.targetMs) {
      if (now - this.lastCut >= this.o.targetMs) {
        this.limit = Math.max(this.o.minLimit, this.limit * 0.75);
        this.lastCut = now;
      }
    } else if (busy) {
      // Grow only when the cap is what holds requests back, not while idle.
      this.limit = Math.min(this.o.maxLimit, this.limit + 1 / this.limit);
    }
  }
}

/** Answers a request itself (true) or lets it through (false): runs before express. */
export type Gate = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Sheds load on the requests `applies` picks: 503 with Retry-After, at once, when the
 * adaptive cap is reached or the event loop lags (see AdaptiveLimit). It runs on the raw
 * request, before express, security headers and authentication: a refusal must cost a
 * fraction of an accepted request, or refusing at 4x capacity would itself use up the CPU
 * (express with helmet costs about three times a bare answer; measured, see docs/testing.md).
 */
export const createShedder = (applies: (req: IncomingMessage) => boolean, options: Partial<ShedderOptions> = {}): Gate & { limit: AdaptiveLimit } => {
  const o = { ...DEFAULT_SHEDDER, ...options };
  const limit = new AdaptiveLimit(o);
  const lagMs = o.maxLagMs > 0 ? eventLoopLag() : () => 0;

  const refuse = (res: ServerResponse, why: string) => {
    requestsShed.inc({ reason: why });
    return answer503(res, `the server is at capacity (${why}); retry after ${o.retryAfterSeconds} s`, o.retryAfterSeconds);
  };

  // Writes in progress per caller (its credentials as sent; not verified yet, only a key): a
  // caller with none in progress still gets in when the cap is reached by others, so one tenant
  // filling the cap with slow writes does not shed another's (issue 23).
  const byCaller = new Map<string, number>();
  const gate: Gate = (req, res) => {
    if (!applies(req)) return false;
    if (o.maxLagMs > 0 && lagMs() > o.maxLagMs) return refuse(res, "event loop lag");
    const caller = req.headers.authorization ?? req.socket.remoteAddress ?? "";
    const mine = byCaller.get(caller) ?? 0;
    if (!limit.tryAcquire() && (mine > 0 || !limit.tryAcquireBeyond())) return refuse(res, "concurrency limit");
    byCaller.set(caller, mine + 1);
    const t0 = performance.now();
    res.once("close", () => {
      limit.release(performance.now() - t0);
      const n = (byCaller.get(caller) ?? 1) - 1;
      if (n <= 0) byCaller.delete(caller);
      else byCaller.set(caller, n);
    });
    return false;
  };
  return Object.assign(gate, { limit });
};

/** Sampled every 10 ms by Node itself; read as the worst lag of the last 100 ms. */
const eventLoopLag = (): (() => number) => {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let worst = 0;
  const sampler = setInterval(() => {
    worst = lag.max / 1e6;
    lag.reset();
  }, 100);
  sampler.unref();
  return () => worst;
};

/** A bare 503 with Retry-After and the headers every answer of ours carries. */
const answer503 = (res: ServerResponse, message: string, retryAfterSeconds: number): true => {
  const body = JSON.stringify({ error: message });
  res.writeHead(503, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "retry-after": String(retryAfterSeconds),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(body);
  return true;
};

/**
 * Refuse at once while a dependency the request needs is known to be down (its connection is
 * closed and reconnecting), instead of doing the request's other work first and failing at
 * the end. `down` returns the name of a dependency that is down, or undefined.
 */
export const refuseWhileDown = (applies: (req: IncomingMessage) => boolean, down: () => string | undefined, retryAfterSeconds = 5): Gate => (req, res) => {
  if (!applies(req)) return false;
  const which = down();
  if (which === undefined) return false;
  requestsShed.inc({ reason: `${which} down` });
  return answer503(res, `${which} unavailable; nothing was kept, retry after ${retryAfterSeconds} s`, retryAfterSeconds);
};
