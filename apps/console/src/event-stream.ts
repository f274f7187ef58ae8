/**
 * Server-Sent Events read with fetch, not EventSource: EventSource cannot send the
 * Authorization header the API needs. The shared client's `sseMessages` (eventsource-parser)
 * does the framing; this file adds the token, resuming with Last-Event-ID after a drop, and
 * stopping when the server ends the stream on purpose (its `end` event).
 */
import { sseMessages } from "../../shared/api-client/client";
import type { StreamEvent } from "./types";
import { STREAM_END_EVENT } from "../../shared/contract/browser-safe";
import { backoffMs } from "../../shared/runtime/backoff";
import { authHeaders, failure } from "./api";
import { ApiError } from "./api-error";

export interface StreamHandlers {
  onEvent(event: StreamEvent): void;
  /** The stream is (re)connected: clear any error shown. */
  onOpen?(): void;
  /** A failed connection; the stream retries by itself unless the error is 401/404. */
  onError?(err: unknown): void;
  /** The server closed the stream on purpose: nothing more will happen. */
  onEnd?(): void;
}

const RETRY = { firstMs: 1_000, maxMs: 15_000 };

/** Streams are read with fetch itself (openapi-fetch buffers bodies): errors are parsed here. */
const failureOf = async (res: Response): Promise<ApiError> => failure(res, (await res.json().catch(() => undefined)) as { error?: string } | undefined);

/** Follow an event stream until `stop()` is called or the server ends it. */
export const followEvents = (path: string, handlers: StreamHandlers): { stop(): void } => {
  const abort = new AbortController();
  let lastId: string | undefined;
  /** Failed connections in a row; an opened stream starts the count again. */
  let failures = 0;

  const once = async (): Promise<"ended" | "dropped"> => {
    const res = await fetch(path, { signal: abort.signal, headers: { Accept: "text/event-stream", ...authHeaders(), ...(lastId ? { "Last-Event-ID": lastId } : {}) } });
    if (!res.ok || !res.body) throw await failureOf(res);
    handlers.onOpen?.();
    failures = 0;
    for await (const msg of sseMessages(res.body)) {
      if (msg.id) lastId = msg.id;
      if (msg.event === STREAM_END_EVENT) return "ended";
      // The server validated what it stored; the type is enough here (no zod in the page).
      const event = JSON.parse(msg.data) as StreamEvent;
      if (event && typeof event === "object" && typeof event.type === "string") handlers.onEvent(event);
    }
    return "dropped";
  };

  void (async () => {
    while (!abort.signal.aborted) {
      /** What the server asked for (Retry-After) goes before the curve. */
      let retryAfterMs: number | undefined;
      try {
        if ((await once()) === "ended") {
          handlers.onEnd?.();
          return;
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        handlers.onError?.(err);
        // Without a valid token, or for a job that is not there, retrying cannot help.
        if (err instanceof ApiError && (err.status === 401 || err.status === 404)) return;
        if (err instanceof ApiError && err.retryAfter) retryAfterMs = err.retryAfter * 1000;
      }
      failures++;
      await new Promise((r) => setTimeout(r, retryAfterMs ?? backoffMs(RETRY, failures)));
    }
  })();

  return { stop: () => abort.abort() };
};

/** Follow a text stream (logs) chunk by chunk until it ends or `stop()` is called. */
export const followText = (path: string, onText: (text: string) => void, onDone: (err?: unknown) => void): { stop(): void } => {
  const abort = new AbortController();
  void (async () => {
    try {
      const res = await fetch(path, { signal: abort.signal, headers: { Accept: "text/plain", ...authHeaders() } });
      if (!res.ok || !res.body) throw await failureOf(res);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        onText(value);
      }
      onDone();
    } catch (err) {
      if (!abort.signal.aborted) onDone(err);
    }
  })();
  return { stop: () => abort.abort() };
};
