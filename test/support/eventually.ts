/**
 * Waiting for something to happen in a test: retry `check` (an assertion, or anything that
 * throws until the state is reached) until it passes, and return what it returned. At the
 * deadline the check's last error is thrown, so a failure reads as the real assertion
 * ("expected 'Pending' to be 'Running'"), not "timed out". A check that hangs is cut off at the
 * deadline too. Deadlines are guards for a busy 2-core machine, not speed targets.
 *
 * Built on vitest's vi.waitFor (https://vitest.dev/api/vi.html#vi-waitfor), which also moves
 * fake timers on between tries. Loaded when first called: test/support is also loaded by
 * bench/ under plain tsx, where vitest refuses to be imported.
 */
export const eventually = async <T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> => {
  const { vi } = await import("vitest");
  return vi.waitFor(check, { timeout: timeoutMs, interval: intervalMs });
};
