import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdempotencyKeys } from "../../apps/shared/state/idempotency-keys";
import { decodeCursor } from "../../apps/shared/state/job-cursor";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { REDIS_URL, removeRedisKeys, uniquePrefix } from "../support/test-stack";

const prefix = uniquePrefix("repo");
let redis: Redis;
let jobs: JobRepository;
/** The tenant of every job here unless a test says otherwise. */
const T = "default";
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  jobs = new JobRepository(redis, prefix);
});
afterAll(async () => {
  await removeRedisKeys(prefix);
  redis.disconnect();
});

describe("job state in Redis (real server)", () => {
  it("When events arrive in order, then the status follows and history lists each step once", async () => {
    const id = randomUUID();
    expect(await jobs.transition(id, "PENDING", t(0), {}, T)).toBe("created");
    expect(await jobs.transition(id, "APPLYING_IN_CLUSTER", t(1), { resources: [{ apiVersion: "v1", kind: "ConfigMap", name: "a" }] }, T)).toBe("changed");
    expect(await jobs.transition(id, "DONE", t(2), { target: "dry-run" }, T)).toBe("changed");
    const job = await jobs.get(id);
    expect(job).toMatchObject({ status: "DONE", target: "dry-run", namespace: `job-${id}`, createdAt: t(0), updatedAt: t(2) });
    expect(job!.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    expect(job!.resources).toEqual([{ apiVersion: "v1", kind: "ConfigMap", name: "a" }]);
  });

  it("When an event is delivered twice, then the second changes nothing", async () => {
    const id = randomUUID();
    await jobs.transition(id, "PENDING", t(0), {}, T);
    await jobs.transition(id, "DONE", t(2), {}, T);
    expect(await jobs.transition(id, "DONE", t(3), {}, T)).toBe("duplicate");
    const job = await jobs.get(id);
    expect(job!.history).toEqual([
      { status: "PENDING", at: t(0) },
      { status: "DONE", at: t(2) },
    ]);
  });

  it("When a late event arrives, then the status never moves backwards but history records it in order", async () => {
    const id = randomUUID();
    await jobs.transition(id, "PENDING", t(0), {}, T);
    await jobs.transition(id, "ROLLED_BACK", t(5), {}, T);
    expect(await jobs.transition(id, "ROLLING_BACK", t(4), {}, T)).toBe("history");
    expect(await jobs.transition(id, "DONE", t(2), {}, T)).toBe("history");
    const job = await jobs.get(id);
    expect(job!.status).toBe("ROLLED_BACK");
    expect(job!.history.map((h) => h.status)).toEqual(["PENDING", "DONE", "ROLLING_BACK", "ROLLED_BACK"]);
  });

  it("When two final verdicts race, then the first one wins and the other cannot overwrite it", async () => {
    const id = randomUUID();
    await jobs.transition(id, "REJECTED", t(1), { reason: "bad" }, T);
    expect(await jobs.transition(id, "DONE", t(2), { target: "dry-run" }, T)).toBe("history");
    const job = await jobs.get(id);
    // The losing verdict's details fill in only fields it alone writes (each field keeps the
    // latest writer by rank and time, whatever the order): the status and its reason stay.
    expect(job).toMatchObject({ status: "REJECTED", reason: "bad" });
    expect(job!.history.map((h) => h.status)).toEqual(["REJECTED", "DONE"]);
  });

  it("When a late event arrives after a later one, then it fills in details the later one did not write and overwrites none", async () => {
    const id = randomUUID();
    const validated = [{ apiVersion: "v1", kind: "ConfigMap", name: "a" }];
    const applied = [...validated, { apiVersion: "v1", kind: "ConfigMap", name: "b" }];
    await jobs.transition(id, "PENDING", t(0), {}, T);
    await jobs.transition(id, "FAILED", t(2), { reason: "apply gave up" }, T);
    await jobs.transition(id, "DONE", t(3), { target: "dry-run", resources: applied }, T);
    expect(await jobs.transition(id, "APPLYING_IN_CLUSTER", t(1), { resources: validated, warnings: [{ message: "defaulted" }] }, T)).toBe("history");
    const job = await jobs.get(id);
    expect(job).toMatchObject({ status: "FAILED", reason: "apply gave up", target: "dry-run", resources: applied, warnings: [{ message: "defaulted" }], updatedAt: t(2) });
  });

  it("When the job record is missing (cache lost), then a later event rebuilds it", async () => {
    const id = randomUUID();
    expect(await jobs.transition(id, "DONE", t(9), { target: "dry-run" }, T)).toBe("created");
    expect(await jobs.get(id)).toMatchObject({ id, status: "DONE", namespace: `job-${id}` });
  });

  it("When jobs are listed by status, then pages come newest first with a cursor to the next", async () => {
    const p = uniquePrefix("list");
    const repo = new JobRepository(redis, p);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const [i, id] of ids.entries()) await repo.transition(id, "PENDING", t(10 + i), {}, T);
    await repo.transition(ids[0]!, "DONE", t(30), {}, T);
    const first = await repo.list({ tenant: "default", status: "PENDING", limit: 3 });
    expect(first.items.map((j) => j.id)).toEqual([ids[4], ids[3], ids[2]]);
    const second = await repo.list({ tenant: "default", status: "PENDING", limit: 3, after: decodeCursor(first.nextCursor!) });
    expect(second.items.map((j) => j.id)).toEqual([ids[1]]);
    expect(second.nextCursor).toBeUndefined();
    expect((await repo.list({ tenant: "default", status: "DONE", limit: 10 })).items.map((j) => j.id)).toEqual([ids[0]]);
    expect((await repo.list({ tenant: "default", limit: 10 })).items).toHaveLength(5);
    // Another tenant's listing does not see them.
    await repo.transition(randomUUID(), "PENDING", t(40), {}, "acme");
    expect((await repo.list({ tenant: "acme", limit: 10 })).items).toHaveLength(1);
    expect((await repo.list({ tenant: "default", limit: 10 })).items).toHaveLength(5);
    await removeRedisKeys(p);
  });

  it("When a job is read for a tenant, then only its own tenant gets it and everyone else a 404 like a missing job", async () => {
    const id = randomUUID();
    await jobs.transition(id, "PENDING", t(0), {}, "acme");
    expect((await jobs.getOwned(id, "acme")).id).toBe(id);
    for (const [asked, tenant] of [[id, "default"], [randomUUID(), "acme"], ["not-a-uuid", "acme"]] as const) {
      await expect(jobs.getOwned(asked, tenant)).rejects.toMatchObject({ status: 404, message: `no job ${asked}` });
      expect(await jobs.findOwned(asked, tenant)).toBeNull();
    }
  });

  it("When an idempotency key is claimed twice, then the second caller gets the first job", async () => {
    const keys = new IdempotencyKeys(redis, prefix);
    const key = randomUUID();
    expect(await keys.claim("default", key, "job-1 abc", 60)).toBeNull();
    expect(await keys.claim("default", key, "job-2 abc", 60)).toBe("job-1 abc");
    // Keys are per tenant: the same key from another tenant is a different claim.
    expect(await keys.claim("acme", key, "job-9 abc", 60)).toBeNull();
    // Only the holder's value releases it.
    await keys.release("default", key, "job-2 abc");
    expect(await keys.claim("default", key, "job-4 abc", 60)).toBe("job-1 abc");
    await keys.release("default", key, "job-1 abc");
    expect(await keys.claim("default", key, "job-3 abc", 60)).toBeNull();
  });

  it("When another request takes an idempotency key while the old holder releases it, then the new claim survives", async () => {
    const keys = new IdempotencyKeys(redis, prefix);
    const key = randomUUID();
    expect(await keys.claim("default", key, "job-1 abc", 60)).toBeNull();
    // Both commands are written on one connection in this order, before any reply: the
    // release's first command, then the other request's claim (a takeover of a withdrawn
    // job's key). A release that reads, then deletes, would send its DELETE after the claim.
    const released = keys.release("default", key, "job-1 abc");
    const takeover = redis.set(`{${prefix}}:tenant:default:idem:${key}`, "job-2 abc", "EX", 60);
    await Promise.all([released, takeover]);
    expect(await keys.claim("default", key, "job-3 abc", 60)).toBe("job-2 abc");
  });
});

describe("withdrawn submissions", () => {
  it("When 'job submitted' arrives for a job Redis does not know, then no job is created", async () => {
    const id = randomUUID();
    expect(await jobs.transition(id, "PENDING", t(0), { createIfMissing: false }, T)).toBe("unknown");
    expect(await jobs.get(id)).toBeNull();
  });
});

describe("a Redis that is up but not serving yet", () => {
  it("When Redis replies LOADING (or a cluster is failing over), then that counts as the dependency being down; other replies are real errors", async () => {
    const { ReplyError } = await import("ioredis");
    const { redisErrorToAppError } = await import("../../apps/shared/state/redis-errors");
    const { DependencyDownError } = await import("../../apps/shared/errors/app-error");
    for (const m of ["LOADING Redis is loading the dataset in memory", "CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing"]) {
      expect(redisErrorToAppError(new ReplyError(m))).toBeInstanceOf(DependencyDownError);
    }
    expect(redisErrorToAppError(new Error("Connection is closed."))).toBeInstanceOf(DependencyDownError);
    const scriptError = new ReplyError("ERR Error running script");
    expect(redisErrorToAppError(scriptError)).toBe(scriptError);
  });
});
