/**
 * The project's one retry curve: exponential from `firstMs`, capped at `maxMs`, optionally
 * shortened by a random part (`jitter`, 0..1) so that many clients retrying at once spread
 * out. Each caller keeps its own bounds; only the shape is shared. A function of the attempt
 * rather than a retry loop, because the callers wait in different ways: a consumer before
 * it requeues, amqplib between reconnects (its `calculateDelay`), a store around each call,
 * the console between stream reconnects. Browser-safe (no Node imports).
 */
export interface BackoffCurve {
  firstMs: number;
  maxMs: number;
  /** Growth per attempt; 2 unless said otherwise. */
  factor?: number;
  /** Up to this fraction of the delay is taken off at random (0, the default, is exact). */
  jitter?: number;
}

/** How long to wait before retry number `attempt` (1 = the first retry). */
export const backoffMs = (curve: BackoffCurve, attempt: number, random: () => number = Math.random): number => {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const base = Math.min(curve.maxMs, curve.firstMs * (curve.factor ?? 2) ** exponent);
  // Taking jitter off (never adding it) keeps every delay at or under the cap.
  return Math.round(base * (1 - (curve.jitter ?? 0) * random()));
};
