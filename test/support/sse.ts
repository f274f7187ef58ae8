import { sseMessages } from "../../apps/shared/api-client/client";

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

export interface SseOptions {
  headers?: Record<string, string>;
  stopAfter?: (m: SseMessage, all: SseMessage[]) => boolean;
  timeoutMs?: number;
  /** Called once the server has answered (status and headers in), before any event is read. */
  onOpen?: () => void;
}
export interface SseResult {
  status: number;
  messages: SseMessage[];
  ended: boolean;
  raw?: string;
}

/**
 * Read Server-Sent Events from `url` until the server ends the stream, `stopAfter` returns
 * true (then the connection is dropped, as a client losing its network would), or `timeoutMs`.
 */
export const readSse = async (url: string, opts: SseOptions = {}): Promise<SseResult> => {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs ?? 15_000);
  const messages: SseMessage[] = [];
  try {
    const res = await fetch(url, { headers: { accept: "text/event-stream", ...opts.headers }, signal: abort.signal });
    opts.onOpen?.();
    if (res.status !== 200 || !res.body) return { status: res.status, messages, ended: true, raw: await res.text() };
    for await (const m of sseMessages(res.body)) {
      const msg = { ...(m.id ? { id: m.id } : {}), ...(m.event ? { event: m.event } : {}), data: m.data };
      messages.push(msg);
      if (opts.stopAfter?.(msg, messages)) {
        abort.abort();
        return { status: 200, messages, ended: false };
      }
    }
    return { status: 200, messages, ended: true };
  } catch (err) {
    if (abort.signal.aborted) return { status: 200, messages, ended: false };
    throw err;
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Start reading a stream as readSse does and return once the server has answered, the reading
 * going on in `result`. For `lastEventId=$` the server fixes "now" before it answers
 * (apps/shared/public-api/events/event-routes.ts), so every event after this returns reaches the reader.
 */
export const followSse = async (url: string, opts: Omit<SseOptions, "onOpen"> = {}): Promise<{ result: Promise<SseResult> }> => {
  let result!: Promise<SseResult>;
  await new Promise<void>((opened) => {
    result = readSse(url, { ...opts, onOpen: opened });
    result.then(() => opened(), () => opened()); // answered with an error, or failed: the caller sees it in `result`
  });
  return { result };
};

export const statusesOf = (messages: SseMessage[]) => messages.filter((m) => m.event === "status").map((m) => (JSON.parse(m.data) as { status: string }).status);
