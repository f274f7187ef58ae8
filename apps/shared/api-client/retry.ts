/**
 * Polite retries for the API's "not now" answers: 429 (the tenant's rate, or too many failed
 * tokens) and 503 (overloaded, shedding, or a dependency down). Both mean the server did not
 * act on the request, so sending it again is safe; a submission also carries an
 * Idempotency-Key, so even a lost answer cannot make a second job. The server's Retry-After
 * (seconds, or an HTTP date: RFC 9110 §10.2.3) goes first; without it, the shared backoff
 * curve. Browser-safe (fetch only).
 */
import { backoffMs } from "../runtime/backoff";

export interface RetryPolicy {
  /** Retries after the first try; 0 turns retrying off. */
  retries: number;
  /** A Retry-After longer than this is not waited for: the answer is returned as it is. */
  maxWaitMs: number;
  /** Told before each wait (a CLI says so on stderr). */
  onRetry?: (info: { status: number; waitMs: number; attempt: number; url: string }) => void;
}

export const RETRY_STATUSES = [429, 503];
const CURVE = { firstMs: 500, maxMs: 8_000, jitter: 0.2 };

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export const retryAfterMs = (value: string | null, now = Date.now()): number | undefined => {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** A fetch that retries 429 and 503 answers as `policy` says (each try sends a fresh copy of the request). */
export const retryingFetch =
  (policy: RetryPolicy, base: typeof fetch = globalThis.fetch): typeof fetch =>
  async (input, init) => {
    const request = new Request(input, init);
    for (let attempt = 1; ; attempt++) {
      const res = await base(request.clone());
      if (!RETRY_STATUSES.includes(res.status) || attempt > policy.retries) return res;
      const waitMs = retryAfterMs(res.headers.get("Retry-After")) ?? backoffMs(CURVE, attempt);
      if (waitMs > policy.maxWaitMs) return res;
      policy.onRetry?.({ status: res.status, waitMs, attempt, url: request.url });
      await res.body?.cancel().catch(() => undefined);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  };
