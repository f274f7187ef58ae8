import type { Response } from "express";

export interface SseWriter {
  send(event: string, data: unknown, id?: string): void;
  /** Say why the stream ends (so a browser's EventSource does not reconnect), then close. */
  end(data: unknown): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

/**
 * Server-Sent Events on an express response (format: https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * Written by hand because the framing is four fields; the parts that need care (resume,
 * fan-out across replicas) are in Redis. JSON data never contains a raw newline, so each
 * event's data is one `data:` line. A comment line every `heartbeatMs` keeps proxies and load
 * balancers from closing an idle stream.
 */
export const openSse = (res: Response, heartbeatMs: number): SseWriter => {
  let closed = false;
  const onClose: (() => void)[] = [];
  res.status(200).set({
    "Content-Type": "text/event-stream; charset=utf-8",
    Connection: "keep-alive",
    // nginx-style proxies buffer responses unless told not to.
    "X-Accel-Buffering": "no",
  });
  res.flushHeaders();
  res.write("retry: 2000\n\n");
  const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), heartbeatMs);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const fn of onClose) fn();
  };
  res.on("close", close);
  return {
    get closed() {
      return closed;
    },
    send(event, data, id) {
      if (closed) return;
      res.write(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end(data) {
      if (closed) return;
      res.write(`event: end\ndata: ${JSON.stringify(data)}\n\n`);
      res.end();
      close();
    },
    onClose: (fn) => onClose.push(fn),
  };
};
