import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { retryingFetch, type RetryPolicy } from "./retry";

/**
 * The one way clients (the CLI, the web console) call the API: openapi-fetch typed by
 * `paths`, which openapi-typescript generates from docs/openapi.yaml. A route or schema change
 * the clients do not follow fails to compile.
 */
export type Job = components["schemas"]["Job"];
export type JobPage = components["schemas"]["JobPage"];
export type DryRunResult = components["schemas"]["DryRunResult"];
export type Manifests = components["schemas"]["Manifests"];
export type StreamEvent = components["schemas"]["StreamEvent"];
export type ApiProblem = components["schemas"]["Error"];

/** A typed client for `baseUrl`; with `retry`, 429 and 503 answers are retried politely (retry.ts). */
export const createApiClient = (baseUrl: string, token?: string, opts: { retry?: RetryPolicy } = {}) =>
  createClient<paths>({
    baseUrl: baseUrl.replace(/\/$/, ""),
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(opts.retry ? { fetch: retryingFetch(opts.retry) } : {}),
  });
export type ApiClient = ReturnType<typeof createApiClient>;

export { sseMessages, followStream, StreamRefused, type StreamOutcome, type StreamFailure } from "./event-stream";
export { retryingFetch, retryAfterMs, type RetryPolicy } from "./retry";
