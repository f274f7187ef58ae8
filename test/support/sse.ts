import { sseMessages } from "../../apps/shared/api-client/client";

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Read Server-Sent Events from `url` until the server ends the stream, `stopAfter` returns
 * true (then the connection is dropped, as a client losing its network would), or `timeoutMs`.
 */
export const readSse = async (
  url: string,
  opts: { headers?: Record<string, string>; stopAfter?: (m: SseMessage, all: SseMessage[]) => boolean; timeoutMs?: number } = {},
): Promise<{ status: number; messages: SseMessage[]; ended: boolean; raw?: string }> => {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs ?? 15_000);
  const messages: SseMessage[] = [];
  try {
    const res = await fetch(url, { headers: { accept: "text/event-stream", ...opts.headers }, signal: abort.signal });
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

export const statusesOf = (messages: SseMessage[]) => messages.filter((m) => m.event === "status").map((m) => (JSON.parse(m.data) as { status: string }).status);
