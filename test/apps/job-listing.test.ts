import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobStatus } from "../../apps/shared/contract";
import { CURSOR_HELP, CursorParam, decodeCursor, encodeCursor } from "../../apps/shared/state/job-cursor";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { REDIS_URL, removeRedisKeys, uniquePrefix } from "../support/test-stack";

let redis: Redis;
const prefixes: string[] = [];
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  for (const p of prefixes) await removeRedisKeys(p);
  redis.disconnect();
});

const freshRepo = () => {
  const p = uniquePrefix("listing");
  prefixes.push(p);
  return new JobRepository(redis, p);
};

/** Creates a job for the tenant "default" at the given offset in ms; returns its id. */
const create = async (jobs: JobRepository, ms: number, id = randomUUID()) => {
  await jobs.transition(id, "PENDING", at(ms), {}, "default");
  return id;
};

/** Every page until the last, running `between` after each page (as if other requests came in). */
const pageThrough = async (jobs: JobRepository, opts: { status?: JobStatus; limit: number }, between: (page: number) => Promise<void> = async () => undefined) => {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await jobs.list({ tenant: "default", ...opts, after: cursor ? decodeCursor(cursor) : undefined });
    seen.push(...res.items.map((j) => j.id));
    if (!res.nextCursor) return seen;
    cursor = res.nextCursor;
    await between(page);
  }
  throw new Error("paging did not end");
};

describe("GET /jobs paging with a stable cursor (real Redis)", () => {
  it("When jobs are created and removed between pages, then no job comes twice and every job that stayed comes once, newest first", async () => {
    const jobs = freshRepo();
    const initial: string[] = [];
    for (let i = 0; i < 23; i++) initial.push(await create(jobs, 1000 + i * 10));
    const newestFirst = [...initial].reverse();
    const removed = new Set<string>();
    let clock = 5000;
    const seen = await pageThrough(jobs, { limit: 4 }, async (page) => {
      // Newer jobs arrive (they belong before the cursor: an offset would shift and repeat items).
      await create(jobs, clock++);
      await create(jobs, clock++);
      // One job not yet listed and one already listed go away.
      const unseen = newestFirst[4 * (page + 1) + 2];
      const listed = newestFirst[4 * page];
      for (const id of [unseen, listed]) {
        if (!id) continue;
        await jobs.remove(id, "default");
        removed.add(id);
      }
    });
    expect(new Set(seen).size).toBe(seen.length);
    const stayed = newestFirst.filter((id) => !removed.has(id) || seen.indexOf(id) !== -1);
    expect(seen).toEqual(stayed);
    expect(removed.size).toBeGreaterThan(4);
  });

  it("When many jobs share one creation millisecond, then pages split the group without repeating or skipping any", async () => {
    const jobs = freshRepo();
    const same = await Promise.all(Array.from({ length: 11 }, () => create(jobs, 2000)));
    const older = await create(jobs, 1000);
    const newer = await create(jobs, 3000);
    const seen = await pageThrough(jobs, { limit: 3 });
    // Equal times are ordered by id (Redis orders equal scores by member; newest first reverses it).
    expect(seen).toEqual([newer, ...[...same].sort().reverse(), older]);
  });

  it("When jobs of a status listing change status between pages, then the remaining ones still come once each", async () => {
    const jobs = freshRepo();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await create(jobs, 1000 + i));
    const newestFirst = [...ids].reverse();
    const left = new Set<string>();
    const seen = await pageThrough(jobs, { status: "PENDING", limit: 5 }, async (page) => {
      // The first job of this page and the first of the next one leave PENDING.
      for (const id of [newestFirst[5 * page], newestFirst[5 * (page + 1)]]) {
        if (!id) continue;
        await jobs.transition(id, "APPLYING_IN_CLUSTER", at(9000), {}, "default");
        left.add(id);
      }
    });
    expect(seen).toEqual(newestFirst.filter((id) => !left.has(id) || seen.includes(id)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(newestFirst[5]);
  });
});

describe("the cursor's encoding", () => {
  it("When a cursor comes back unchanged, then it names the same place; it is opaque base64url", () => {
    const p = { score: Date.UTC(2026, 0, 1), id: randomUUID() };
    const c = encodeCursor(p);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual(p);
  });

  it.each([
    ["an offset cursor of the old API", "20"],
    ["an empty string", ""],
    ["text that is not base64url", "a+b/c="],
    ["base64url of something else", Buffer.from("hello").toString("base64url")],
    ["a position with an id that is not a job id", Buffer.from("1767225600000:abc").toString("base64url")],
    ["a position with a negative time", Buffer.from(`-5:${randomUUID()}`).toString("base64url")],
    ["a truncated cursor", encodeCursor({ score: 1767225600000, id: randomUUID() }).slice(0, -3)],
    ["a huge value", "9".repeat(500)],
  ])("When the cursor is %s, then it is refused with a message saying what to pass", (_what, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
    const parsed = CursorParam.safeParse(cursor);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(CURSOR_HELP);
  });
});
