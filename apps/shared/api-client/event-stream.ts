/**
 * The one Server-Sent Events client of the CLI and the console. Read with fetch, not
 * EventSource (which cannot send the Authorization header the API needs); eventsource-parser
 * does the framing. It resumes a dropped stream with the last event id (the API replays what
 * came after it, so nothing is lost or repeated), stops when the server ends the stream on
 * purpose (its `end` event), waits Retry-After or the shared backoff curve between tries, and
 * gives up at once on answers that retrying cannot change (400, 401, 403, 404). Each caller
 * says when else to give up: the console never does; cpctl does when the API was never
 * reachable, or stayed unreachable too long. Browser-safe.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { STREAM_END_EVENT } from "../contract/browser-safe";
import { backoffMs, type BackoffCurve } from "../runtime/backoff";
import { retryAfterMs } from "./retry";

/** Server-Sent Events from a response body. */
export async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** An answer that was not the stream: its status, the server's message (its JSON `error`), and Retry-After. */
export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "StreamRefused";
  }
}

/** Statuses a retry cannot change. */
export const FINAL_STATUSES = [400, 401, 403, 404];

export interface StreamFailure {
  error: unknown;
  /** Whether any try has reached the stream (a never-reachable API is usually a wrong address). */
  everConnected: boolean;
  /** Since when the tries in a row have failed. */
  failingForMs: number;
  attempt: number;
}

export interface FollowStreamOptions {
  /** The stream's URL (absolute, or relative to the page). */
  url: string;
  headers?: () => Record<string, string>;
  /** Each message (not the end event); return true to stop following. */
  onMessage(msg: EventSourceMessage): boolean | void;
  onOpen?(): void;
  /** Each failed try, before the wait; return true to give up (the result says why). */
  onError?(failure: StreamFailure): boolean | void;
  /** Between tries (default 1 s doubling to 15 s). */
  retry?: BackoffCurve;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Resume after this id (e.g. `$`: only what happens from now on). */
  lastEventId?: string;
}

export type StreamOutcome = { how: "ended" } | { how: "stopped" } | { how: "aborted" } | { how: "gave-up"; error: unknown };

const DEFAULT_RETRY: BackoffCurve = { firstMs: 1_000, maxMs: 15_000, jitter: 0.2 };

/** Follow a stream until the server ends it, `onMessage` says stop, the signal aborts, or it gives up. */
export const followStream = async (opts: FollowStreamOptions): Promise<StreamOutcome> => {
  const doFetch = opts.fetch ?? globalThis.fetch;
  let lastId = opts.lastEventId;
  let everConnected = false;
  let failingSince: number | undefined;
  let attempt = 0;
  const aborted = () => opts.signal?.aborted ?? false;

  while (!aborted()) {
    let waitMs: number | undefined;
    try {
      const res = await doFetch(opts.url, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        headers: { Accept: "text/event-stream", ...opts.headers?.(), ...(lastId ? { "Last-Event-ID": lastId } : {}) },
      });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => undefined)) as { error?: string; details?: unknown } | undefined;
        throw new StreamRefused(res.status, body?.error ?? `HTTP ${res.status}`, retryAfterMs(res.headers.get("Retry-After")), body?.details);
      }
      everConnected = true;
      failingSince = undefined;
      attempt = 0;
      opts.onOpen?.();
      for await (const msg of sseMessages(res.body)) {
        if (msg.id) lastId = msg.id;
        if (msg.event === STREAM_END_EVENT) return { how: "ended" };
        if (opts.onMessage(msg) === true) return { how: "stopped" };
      }
      // The stream broke without its end event: resume after the last event seen.
    } catch (error) {
      if (aborted()) break;
      failingSince ??= Date.now();
      attempt++;
      const final = error instanceof StreamRefused && FINAL_STATUSES.includes(error.status);
      const giveUp = opts.onError?.({ error, everConnected, failingForMs: Date.now() - failingSince, attempt });
      if (final || giveUp === true) return { how: "gave-up", error };
      if (error instanceof StreamRefused) waitMs = error.retryAfterMs;
    }
    if (aborted()) break;
    await new Promise<void>((resolve) => {
      const curve = opts.retry ?? DEFAULT_RETRY;
      // After a drop (attempt 0) the first step of the curve, so a server that keeps cutting is not hammered.
      const t = setTimeout(resolve, waitMs ?? (attempt > 0 ? backoffMs(curve, attempt) : curve.firstMs));
      opts.signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  }
  return { how: "aborted" };
};
