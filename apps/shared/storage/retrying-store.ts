import { backoffMs } from "../runtime/backoff";
import { ObjectNotFoundError, type ObjectStore } from "./object-store";

/**
 * Bounded retries with exponential backoff around any store: storage hiccups are common,
 * endless retries are not acceptable (the job must end FAILED with the reason).
 */
export const withRetries = (store: ObjectStore, retries: number, baseDelayMs = 100): ObjectStore => {
  // Short: a caller (a consumer, or a client waiting on the API) holds on meanwhile.
  const curve = { firstMs: baseDelayMs, maxMs: 2000 };
  const retry = async <T>(op: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (err instanceof ObjectNotFoundError || attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, backoffMs(curve, attempt + 1)));
      }
    }
  };
  return {
    kind: store.kind,
    put: (k, d, t) => retry(() => store.put(k, d, t)),
    // A retry after a lost answer may find the object the first try created: callers of
    // putIfAbsent read the winner back and compare (state/job-fate.ts), so false is safe.
    putIfAbsent: (k, d, t) => retry(() => store.putIfAbsent(k, d, t)),
    get: (k) => retry(() => store.get(k)),
    exists: (k) => retry(() => store.exists(k)),
    delete: (k) => retry(() => store.delete(k)),
    list: (p) => retry(() => store.list(p)),
    check: () => store.check(),
  };
};
