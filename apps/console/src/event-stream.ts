/**
 * The console's live streams, through the one SSE client it shares with cpctl
 * (apps/shared/api-client/event-stream.ts): the token on each try, resuming with
 * Last-Event-ID after a drop, Retry-After honoured, and stopping when the server ends the
 * stream on purpose. The console never gives up on its own (a page left open reconnects
 * when the API is back); 400/401/403/404 stop it, since retrying cannot help.
 */
import { followStream, StreamRefused } from "../../shared/api-client/client";
import type { StreamEvent } from "./types";
import { authHeaders, failure } from "./api";
import { ApiError } from "./api-error";

export interface StreamHandlers {
  onEvent(event: StreamEvent): void;
  /** The stream is (re)connected: clear any error shown. */
  onOpen?(): void;
  /** A failed connection; the stream retries by itself unless the error is 400/401/403/404. */
  onError?(err: unknown): void;
  /** The server closed the stream on purpose: nothing more will happen. */
  onEnd?(): void;
}

/** The shared client's refusal as the console's ApiError (explain() words it). */
const asApiError = (err: unknown): unknown =>
  err instanceof StreamRefused ? new ApiError(err.status, err.message, err.retryAfterMs ? Math.ceil(err.retryAfterMs / 1000) : undefined, err.details) : err;

/** Streams are read with fetch itself (openapi-fetch buffers bodies): errors are parsed here. */
const failureOf = async (res: Response): Promise<ApiError> => failure(res, (await res.json().catch(() => undefined)) as { error?: string } | undefined);

/** Follow an event stream until `stop()` is called or the server ends it. */
export const followEvents = (path: string, handlers: StreamHandlers): { stop(): void } => {
  const abort = new AbortController();
  void followStream({
    url: path,
    headers: authHeaders,
    signal: abort.signal,
    onOpen: () => handlers.onOpen?.(),
    onMessage: (msg) => {
      // The server validated what it stored; the type is enough here (no zod in the page).
      const event = JSON.parse(msg.data) as StreamEvent;
      if (event && typeof event === "object" && typeof event.type === "string") handlers.onEvent(event);
    },
    onError: (f) => void handlers.onError?.(asApiError(f.error)),
  }).then((outcome) => {
    if (outcome.how === "ended") handlers.onEnd?.();
  });
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
