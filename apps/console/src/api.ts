/**
 * The console's calls, all through the project's one typed client (openapi-fetch typed from
 * docs/openapi.yaml, apps/shared/api-client), the same client cpctl uses: a route or schema
 * change the console does not follow fails its build.
 */
import { createApiClient, type DryRunResult, type Job, type JobPage, type Manifests } from "../../shared/api-client/client";
import type { components } from "../../shared/api-client/schema";
import { ApiError } from "./api-error";
import { readToken } from "./token";

export type JobStatus = Job["status"];
export type StatusCounts = components["schemas"]["StatusCounts"];

/** A manifest file to submit: pasted text or a dropped file. */
export interface ManifestFile {
  name: string;
  text: string;
}

/** A client for this origin with this tab's token (read per call: the token can change). */
export const api = () => createApiClient(location.origin, readToken() ?? undefined);

export const authHeaders = (): Record<string, string> => {
  const token = readToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
};

/** A non-2xx answer as an ApiError: the server's message, its details and Retry-After. */
export const failure = (response: Response, body?: { error?: string; details?: unknown }): ApiError => {
  const retry = Number(response.headers.get("Retry-After"));
  return new ApiError(response.status, body?.error ?? `${response.status} ${response.statusText}`, Number.isFinite(retry) && retry > 0 ? retry : undefined, body?.details);
};

/** Unwrap openapi-fetch's `{data, error, response}`: data, or an ApiError. */
const ok = async <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) throw failure(response, error as { error?: string; details?: unknown } | undefined);
  return data;
};

export const listJobs = (opts: { status?: JobStatus; limit?: number; cursor?: string }): Promise<JobPage> =>
  ok(api().GET("/jobs", { params: { query: { ...(opts.status ? { status: opts.status } : {}), ...(opts.limit ? { limit: opts.limit } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}) } } }));

export const countJobs = (): Promise<StatusCounts> => ok(api().GET("/jobs/counts"));
export type QueueView = components["schemas"]["QueueView"];
/** The caller's Kueue queue (quota, use, borrowing, pending and admitted). */
export const getQueue = (): Promise<QueueView> => ok(api().GET("/queues"));
export const getJob = (id: string): Promise<Job> => ok(api().GET("/jobs/{id}", { params: { path: { id } } }));
export const getManifests = (id: string): Promise<Manifests> => ok(api().GET("/jobs/{id}/manifests", { params: { path: { id } } }));
export const deleteJob = (id: string): Promise<Job> => ok(api().DELETE("/jobs/{id}", { params: { path: { id } } }));
/** `POST /jobs/{id}/resubmit`: a new job from this job's stored files, same name and labels. */
export const resubmitJob = (id: string): Promise<Job> => ok(api().POST("/jobs/{id}/resubmit", { params: { path: { id } } }));

/** Files go as multipart (their names make problems point at the right file); one paste as a YAML body. */
const asBody = (files: ManifestFile[]) => {
  const only = files[0];
  if (files.length === 1 && only) return { body: only.text as never, bodySerializer: (b: unknown) => b as string, headers: { "Content-Type": "application/yaml" } };
  const form = new FormData();
  for (const f of files) form.append("files", new Blob([f.text], { type: "application/yaml" }), f.name);
  return { body: form as never, bodySerializer: (b: unknown) => b as FormData };
};

/** `POST /yaml?dryRun=true`: parsing and admission only; nothing is created. */
export const validate = (files: ManifestFile[]): Promise<DryRunResult> => ok(api().POST("/yaml", { params: { query: { dryRun: "true" } }, ...asBody(files) }));

export const submit = (files: ManifestFile[], idempotencyKey?: string): Promise<Job> =>
  ok(api().POST("/yaml", { params: { header: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {} }, ...asBody(files) }));
