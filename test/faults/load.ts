import { expect } from "vitest";
import type { JobView } from "../../apps/shared/contract";

export interface Outcome {
  status: number; // 0: no answer in time
  id?: string;
  ms: number;
  retryAfter?: string;
  error?: string;
}

const MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: load}\ndata: {k: v}\n";

/** Offer `total` submissions at `perSecond`, each with a deadline: a hang is an outcome too. */
export const offerLoad = async (url: string, total: number, perSecond: number, timeoutMs = 10_000): Promise<Outcome[]> => {
  const start = performance.now();
  const pending: Promise<Outcome>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        const t0 = performance.now();
        try {
          const res = await fetch(`${url}/yaml`, { method: "POST", headers: { "content-type": "application/yaml" }, body: MANIFEST, signal: AbortSignal.timeout(timeoutMs) });
          const body = (await res.json()) as Partial<JobView>;
          return { status: res.status, id: res.status === 202 ? body.id : undefined, ms: performance.now() - t0, retryAfter: res.headers.get("retry-after") ?? undefined };
        } catch (err) {
          return { status: 0, ms: performance.now() - t0, error: String((err as Error).cause ?? (err as Error).message) };
        }
      })(),
    );
  }
  return Promise.all(pending);
};

/** Wait until every id is in a final status; returns the jobs as last seen. */
export const waitAllFinal = async (url: string, ids: string[], timeoutMs: number): Promise<Map<string, JobView>> => {
  const seen = new Map<string, JobView>();
  const deadline = Date.now() + timeoutMs;
  let open = [...ids];
  while (open.length > 0 && Date.now() < deadline) {
    const next: string[] = [];
    for (let i = 0; i < open.length; i += 50) {
      const batch = open.slice(i, i + 50);
      const jobs = await Promise.all(batch.map((id) => fetch(`${url}/jobs/${id}`).then((r) => (r.ok ? (r.json() as Promise<JobView>) : undefined)).catch(() => undefined)));
      jobs.forEach((job, j) => {
        if (job && ["DONE", "REJECTED", "FAILED", "ROLLED_BACK"].includes(job.status)) seen.set(batch[j]!, job);
        else next.push(batch[j]!);
      });
    }
    open = next;
    if (open.length) await new Promise((r) => setTimeout(r, 250));
  }
  return seen;
};

/**
 * What a dependency outage must look like from outside: every request answered (202, or 503
 * with Retry-After in under 2 s), none hung; and every accepted job DONE exactly once.
 * Returns the accepted job ids.
 */
export const expectOutageRidden = async (url: string, outcomes: Outcome[]): Promise<string[]> => {
  const accepted = outcomes.filter((o) => o.status === 202).map((o) => o.id!);
  const refused = outcomes.filter((o) => o.status === 503);
  expect(outcomes.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((o) => o.retryAfter === "5")).toBe(true);
  expect(Math.max(...refused.map((o) => o.ms))).toBeLessThan(2000);

  const final = await waitAllFinal(url, accepted, 120_000);
  expect(final.size).toBe(accepted.length);
  for (const job of final.values()) {
    expect(job.status).toBe("DONE");
    expect(job.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
  }
  return accepted;
};
