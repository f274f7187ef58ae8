import type { Response } from "express";
import { drainedOrClosed } from "../../http/drained";

export interface SseWriter {
  send(event: string, data: unknown, id?: string): void;
  /** Say why the stream ends (so a browser's EventSource does not reconnect), then close. */
  end(data: unknown): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
  /** Resolves once the client has taken what was written (or the stream closed): for history, page by page. */
  drained(): Promise<void>;
}

/**
 * Server-Sent Events on an express response (format: https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * Written by hand because the framing is four fields; the parts that need care (resume,
 * fan-out across replicas) are in Redis. JSON data never contains a raw newline, so each
 * event's data is one `data:` line. A comment line every `heartbeatMs` keeps proxies and load
 * balancers from closing an idle stream.
 */
export const openSse = (res: Response, heartbeatMs: number, maxBufferBytes = Infinity): SseWriter => {
  let closed = false;
  const onClose: (() => void)[] = [];
  res.status(200).set({
    "Content-Type": "text/event-stream; charset=utf-8",
    Connection: "keep-alive",
    // nginx-style proxies buffer responses unless told not to.
    "X-Accel-Buffering": "no",
  });
  res.flushHeaders();
  const timer: { heartbeat?: NodeJS.Timeout } = {};
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer.heartbeat);
    for (const fn of onClose) fn();
  };
  res.on("close", close);
  /**
   * Backpressure: what the client has not taken stays in this process (the response's buffer
   * beyond the socket's). Past `maxBufferBytes` the stream is cut without an `end` event: a slow
   * client costs a bounded buffer, and its EventSource resumes from its Last-Event-ID.
   */
  const write = (chunk: string) => {
    if (closed || res.destroyed) return;
    // One event always fits on top of what the client has taken (an event may be bigger than the bound).
    const waiting = res.writableLength;
    res.write(chunk);
    if (waiting > 0 && res.writableLength > maxBufferBytes) {
      res.destroy();
      close();
    }
  };
  write("retry: 2000\n\n");
  timer.heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
  return {
    get closed() {
      return closed;
    },
    send(event, data, id) {
      write(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end(data) {
      if (closed) return;
      write(`event: end\ndata: ${JSON.stringify(data)}\n\n`);
      if (closed) return;
      res.end();
      close();
    },
    onClose: (fn) => onClose.push(fn),
    drained: () => (closed || res.writableLength === 0 ? Promise.resolve() : drainedOrClosed(res)),
  };
};
