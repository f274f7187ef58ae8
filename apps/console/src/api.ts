/**
 * The console's one typed client of the Management App API. Types come from the contract
 * (apps/shared/contract), the same module the services and `docs/openapi.yaml` are built from,
 * so an API change breaks this build instead of its users.
 */
import type { DryRunResult, ManifestsView } from "../../shared/contract/api";
import type { JobStatus, JobView } from "../../shared/contract/job";
import { ApiError } from "./api-error";
import { readToken } from "./token";

export interface JobsPage {
  items: JobView[];
  nextCursor?: string;
}

export interface StatusCounts {
  counts: Record<JobStatus, number>;
}

/** A manifest file to submit: pasted text or a dropped file. */
export interface ManifestFile {
  name: string;
  text: string;
}

export const authHeaders = (): Record<string, string> => {
  const token = readToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
};

/** Turn a non-2xx answer into an ApiError carrying the server's message and Retry-After. */
export const failure = async (res: Response): Promise<ApiError> => {
  let message = `${res.status} ${res.statusText}`;
  let details: unknown;
  try {
    const body = (await res.json()) as { error?: string; details?: unknown };
    if (body.error) message = body.error;
    details = body.details;
  } catch {
    /* not JSON: keep the status line */
  }
  const retry = Number(res.headers.get("Retry-After"));
  return new ApiError(res.status, message, Number.isFinite(retry) && retry > 0 ? retry : undefined, details);
};

const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const res = await fetch(path, { ...init, headers: { Accept: "application/json", ...authHeaders(), ...(init.headers as Record<string, string> | undefined) } });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
};

export const listJobs = (opts: { status?: JobStatus; limit?: number; cursor?: string }): Promise<JobsPage> => {
  const q = new URLSearchParams();
  if (opts.status) q.set("status", opts.status);
  if (opts.limit) q.set("limit", String(opts.limit));
  if (opts.cursor) q.set("cursor", opts.cursor);
  return call<JobsPage>(`/jobs?${q}`);
};

export const countJobs = (): Promise<StatusCounts> => call<StatusCounts>("/jobs/counts");
export const getJob = (id: string): Promise<JobView> => call<JobView>(`/jobs/${encodeURIComponent(id)}`);
export const getManifests = (id: string): Promise<ManifestsView> => call<ManifestsView>(`/jobs/${encodeURIComponent(id)}/manifests`);
export const deleteJob = (id: string): Promise<JobView> => call<JobView>(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });

/** One pasted document goes as a YAML body; files go as multipart, keeping their names for problems. */
const submission = (files: ManifestFile[]): { body: BodyInit; headers: Record<string, string> } => {
  const only = files[0];
  if (files.length === 1 && only) return { body: only.text, headers: { "Content-Type": "application/yaml" } };
  const form = new FormData();
  for (const f of files) form.append("files", new Blob([f.text], { type: "application/yaml" }), f.name);
  return { body: form, headers: {} };
};

/** `POST /yaml?dryRun=true`: parsing and admission only; nothing is created. */
export const validate = (files: ManifestFile[]): Promise<DryRunResult> => {
  const { body, headers } = submission(files);
  return call<DryRunResult>("/yaml?dryRun=true", { method: "POST", body, headers });
};

export const submit = (files: ManifestFile[], idempotencyKey?: string): Promise<JobView> => {
  const { body, headers } = submission(files);
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  return call<JobView>("/yaml", { method: "POST", body, headers });
};
