import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceFor, type EventType, type JobEvent } from "../../apps/shared/contract";
import { createLogger } from "../../apps/shared/logging/logger";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { statusWorkerHandler } from "../../apps/status-worker/handler";
import { REDIS_URL, removeRedisKeys, uniquePrefix } from "../support/test-stack";

const prefix = uniquePrefix("transition-prop");
let redis: Redis;
let jobs: JobRepository;
const ctx = { attempt: 1, log: createLogger("test", "silent") };

beforeAll(() => {
  redis = new Redis(REDIS_URL);
  jobs = new JobRepository(redis, prefix);
});
afterAll(async () => {
  await removeRedisKeys(prefix);
  redis.disconnect();
});

/** Every way a job's life can go, as the services publish it (each event at its own time, in this order). */
const LIVES: EventType[][] = [
  ["job.submitted", "job.validated", "job.applied"],
  ["job.submitted", "job.validated", "job.applied", "job.deleted", "job.rolled_back"],
  // The applier gave up on the rollback: FAILED after DONE, and the job stays ROLLING_BACK.
  ["job.submitted", "job.validated", "job.applied", "job.deleted", "job.failed"],
  ["job.submitted", "job.rejected"],
  ["job.submitted", "job.rejected", "job.deleted", "job.rolled_back"],
  ["job.submitted", "job.validated", "job.failed"],
  ["job.submitted", "job.validated", "job.failed", "job.deleted", "job.rolled_back"],
  // The YAML Manager gave up on the job.
  ["job.submitted", "job.failed"],
];

// Each event carries details of its own, so a late event that overwrote a later one's would show.
const validatedResources = [{ apiVersion: "v1", kind: "ConfigMap", namespace: "n", name: "a" }];
const appliedResources = [...validatedResources, { apiVersion: "v1", kind: "ConfigMap", namespace: "n", name: "b" }];
const warnings = [{ file: "f", document: 1, path: "spec", message: "defaulted" }];

/** The job's events, one per step of its life, a second apart. */
const eventsOf = (life: EventType[], jobId: string, tenant: string): { createdAt: string; events: JobEvent[] } => {
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  const base = (i: number) => ({ eventId: randomUUID(), jobId, tenant, at: at(i) });
  const events = life.map((type, i): JobEvent => {
    switch (type) {
      case "job.submitted":
        return { ...base(i), type, namespace: namespaceFor(jobId), submissionKey: "s", files: [] };
      case "job.validated":
        return { ...base(i), type, manifestsKey: "m", resources: validatedResources, warnings };
      case "job.rejected":
        return { ...base(i), type, reason: "1 problem", problems: [{ file: "f", document: 1, path: "kind", message: "no" }] };
      case "job.applied":
        return { ...base(i), type, target: "dry-run", resources: appliedResources };
      case "job.failed":
        return { ...base(i), type, reason: "gave up" };
      case "job.deleted":
        return { ...base(i), type };
      case "job.rolled_back":
        return { ...base(i), type, target: "kubernetes" };
      default:
        throw new Error(`no status event ${type}`);
    }
  });
  return { createdAt: at(0), events };
};

/**
 * A job as the entrypoint creates it, then the status worker's handler fed the events in the
 * given order; returns what the API would show of it and which status index lists it.
 */
const record = async (life: EventType[], order: number[]) => {
  const jobId = randomUUID();
  const tenant = `t-${randomUUID()}`;
  const { createdAt, events } = eventsOf(life, jobId, tenant);
  await jobs.transition(jobId, "PENDING", createdAt, {}, tenant);
  const handle = statusWorkerHandler(jobs);
  for (const i of order) await handle(events[i]!, ctx);
  const job = await jobs.getOwned(jobId, tenant);
  const counts = await jobs.countByStatus(tenant);
  const { status, history, updatedAt, reason, problems, resources, target, warnings } = job;
  const details = { reason, problems, resources, target, warnings };
  return { status, history, createdAt: job.createdAt, updatedAt, details, listedUnder: Object.keys(counts).filter((s) => counts[s as keyof typeof counts] > 0) };
};

/** A life, and its events in any order with any of them repeated (redelivered). */
const shuffledLife = fc.constantFrom(...LIVES).chain((life) =>
  fc.array(fc.nat({ max: life.length - 1 }), { maxLength: 6 }).chain((repeats) => {
    const all = [...life.keys(), ...repeats];
    return fc.tuple(fc.constant(life), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
  }),
);

/**
 * What the job shows of the events of a life that arrived in order: each detail field from the
 * last event that writes it.
 */
const expectedDetails = (life: EventType[]) => {
  const has = (t: EventType) => life.includes(t);
  return {
    reason: has("job.failed") ? "gave up" : has("job.rejected") ? "1 problem" : undefined,
    problems: has("job.rejected") ? [{ file: "f", document: 1, path: "kind", message: "no" }] : undefined,
    resources: has("job.applied") ? appliedResources : has("job.validated") ? validatedResources : [],
    target: has("job.rolled_back") ? "kubernetes" : has("job.applied") ? "dry-run" : undefined,
    warnings: has("job.validated") ? warnings : undefined,
  };
};

describe("the transition script, property-tested against the real Redis", () => {
  it("When a job's events arrive in any order and any of them repeatedly, then its status, history, times and details end the same as in order", async () => {
    await fc.assert(
      fc.asyncProperty(shuffledLife, async ([life, order]) => {
        const inOrder = await record(life, [...life.keys()]);
        const shuffled = await record(life, order);
        expect(shuffled).toEqual(inOrder);
        expect(inOrder.listedUnder).toEqual([inOrder.status]);
        expect(inOrder.history).toHaveLength(life.length);
        expect(inOrder.details).toEqual(expectedDetails(life));
      }),
      { numRuns: 80 },
    );
  });
});
