import { Router, type RequestHandler } from "express";
import { AdmissionWarning, type ManifestsView } from "../contract";
import { tenantOf } from "../http/auth";
import type { StoredSubmission } from "../manifests/parse-yaml";
import type { JobRepository } from "../state/job-repository";
import { jobKeys } from "../storage/job-keys";
import { ObjectNotFoundError, getJson, type ObjectStore } from "../storage/object-store";

const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return null;
    throw err;
  }
};

/** Admission's warnings wherever they were put: on the job record or next to the validated manifests. */
const warningsOf = (...sources: unknown[]) =>
  sources.flatMap((s) => {
    const list = (s as { warnings?: unknown } | null)?.warnings;
    return Array.isArray(list) ? list.flatMap((w) => (AdmissionWarning.safeParse(w).success ? [AdmissionWarning.parse(w)] : [])) : [];
  });

/** `GET /jobs/:id/manifests`: the files as sent, and the objects admission made of them. */
export const manifestsRoutes = (deps: { jobs: JobRepository; store: ObjectStore }, auth: RequestHandler): Router => {
  const r = Router();
  r.get("/jobs/:id/manifests", auth, async (req, res) => {
    const id = req.params.id as string;
    const job = await deps.jobs.getOwned(id, tenantOf(res));
    const keys = jobKeys(id);
    const [submission, validated] = await Promise.all([
      orNull(getJson<StoredSubmission>(deps.store, keys.submission)),
      orNull(getJson<unknown>(deps.store, keys.manifests)),
    ]);
    // The validated manifests are a list; a richer record keeps them under `manifests`.
    const applied = Array.isArray(validated) ? validated : ((validated as { manifests?: unknown[] } | null)?.manifests ?? null);
    const body: ManifestsView = {
      jobId: id,
      status: job.status,
      submitted: submission?.files.map((f) => ({ name: f.name, text: f.text })) ?? [],
      applied: job.status === "REJECTED" ? null : ((applied as Record<string, unknown>[] | null) ?? null),
      ...(job.target ? { target: job.target } : {}),
      problems: job.problems ?? [],
      warnings: warningsOf(job, validated),
    };
    res.json(body);
  });
  return r;
};
