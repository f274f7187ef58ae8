/**
 * Bounds on long-lived answers (event streams, log streams) per tenant, in each API process.
 * Constants rather than settings: every deployment gets the same per-tenant share, and the
 * global ceiling stays the MAX_STREAMS setting.
 */

/** Event and log streams one tenant may hold open in one process; more get 429 (MAX_STREAMS bounds all tenants together). */
export const MAX_STREAMS_PER_TENANT = 20;
/**
 * What a client that does not read its event stream may leave buffered in the process (beyond
 * the socket's own buffers); past it the stream is cut, and the client resumes with Last-Event-ID.
 * One event always fits on top of an empty buffer.
 */
export const STREAM_BUFFER_BYTES = 64 * 1024;
/** Containers one GET /jobs/:id/logs reads at once from the cluster (as kubectl's --max-log-requests, default 5); name others with ?container=. */
export const LOG_MAX_CONTAINERS = 5;
