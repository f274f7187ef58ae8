import type { Writable } from "node:stream";

/**
 * Resolves once a response that refused a write (`write()` returned false) can take more, or
 * once it closed: the one wait behind backpressure for event streams and live logs.
 */
export const drainedOrClosed = (res: Writable): Promise<void> =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
