/**
 * The contract's plain values that the browser console needs at run time. Kept free of zod
 * (and of anything else heavy) so that the console's bundle stays small: the rest of the
 * contract builds its schemas from these, and the console imports only types from it.
 */

/** Job statuses exactly as DESIGN.md lists them. */
export const JOB_STATUSES = ["PENDING", "APPLYING_IN_CLUSTER", "DONE", "REJECTED", "FAILED", "ROLLING_BACK", "ROLLED_BACK"] as const;

/** The last event of a per-job stream that closes on purpose (a browser's EventSource would reconnect otherwise). */
export const STREAM_END_EVENT = "end";
