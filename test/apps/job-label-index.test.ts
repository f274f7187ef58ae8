import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView, ListPartialReason } from "../../apps/shared/contract";
import { errorHandler } from "../../apps/shared/http/http-server";
import { statusRoutes } from "../../apps/shared/public-api/jobs/read-routes";
import { JobRepository, type FilterLimits } from "../../apps/shared/state/job-repository";
import { CPCTL_FROM_SOURCE, runCpctl } from "../support/cpctl";
import { REDIS_URL, removeRedisKeys, uniquePrefix } from "../support/test-stack";

/**
 * GET /jobs?labelSelector=&name= answered from the tenants' name and label indexes (real Redis,
 * the API's own read routes). Jobs are recorded as the API records them (JobRepository.transition,
 * the script POST /yaml runs), many at once: a submission per job would take minutes.
 */
let redis: Redis;
const prefixes: string[] = [];
const servers: Server[] = [];
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  for (const p of prefixes) await removeRedisKeys(p);
  redis.disconnect();
});

interface Page {
  items: JobView[];
  nextCursor?: string;
  partial?: ListPartialReason;
}

/** A fresh key prefix, its repository, and the API's read routes over it; the caller's tenant is the `x-tenant` header. */
const freshApi = async (limits: Partial<FilterLimits> = {}) => {
  const prefix = uniquePrefix("labelidx");
  prefixes.push(prefix);
  const jobs = new JobRepository(redis, prefix, limits);
  const app = express();
  app.use(
    statusRoutes(jobs, 100, (req, res, next) => {
      res.locals.tenant = req.header("x-tenant") ?? "team-a";
      next();
    }),
  );
  app.use(errorHandler(pino({ level: "silent" })));
  const server = app.listen(0);
  servers.push(server);
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const page = async (query: string, tenant = "team-a"): Promise<Page> => {
    const res = await fetch(`${base}/jobs?${query}`, { headers: { "x-tenant": tenant } });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Page;
  };
  /** Every page of a listing, following nextCursor; the pages' `partial` notes too. */
  const all = async (query: string, tenant = "team-a") => {
    const ids: string[] = [];
    const partial: (ListPartialReason | undefined)[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 500; i++) {
      const p = await page(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, tenant);
      ids.push(...p.items.map((j) => j.id));
      partial.push(p.partial);
      if (!p.nextCursor) return { ids, partial, pages: i + 1 };
      cursor = p.nextCursor;
    }
    throw new Error("paging did not end");
  };
  return { prefix, jobs, page, all, base };
};

const cpctl = (base: string, args: string[]) => runCpctl(CPCTL_FROM_SOURCE, args, { api: base, env: { CP_TOKEN: "unused-by-this-stub" } });

interface Spec {
  ms: number;
  name?: string;
  labels?: Record<string, string>;
  tenant?: string;
}
/** Records jobs as POST /yaml does (all at once: ioredis pipelines them); returns their ids in the order given. */
const record = async (jobs: JobRepository, specs: Spec[]): Promise<string[]> => {
  const ids = specs.map(() => randomUUID());
  await Promise.all(
    specs.map((s, i) =>
      jobs.transition(ids[i]!, "PENDING", at(s.ms), { ...(s.name ? { name: s.name } : {}), ...(s.labels ? { labels: s.labels } : {}) }, s.tenant ?? "team-a"),
    ),
  );
  return ids;
};
const range = (n: number, f: (i: number) => Spec): Spec[] => Array.from({ length: n }, (_, i) => f(i));
const sel = (s: string) => `labelSelector=${encodeURIComponent(s)}`;
const ixKeys = (prefix: string, tenant = "team-a") => redis.keys(`{${prefix}}:tenant:${tenant}:jobs:ix:*`);

describe("filtered listings from the label and name indexes (real Redis)", { timeout: 20_000 }, () => {
  it("When a tenant has 1,500 jobs and the 3 labelled team=nlp are the oldest, then ?labelSelector=team=nlp returns all 3 with no 'older jobs may match' note", async () => {
    const api = await freshApi();
    const nlp = await record(api.jobs, range(3, (i) => ({ ms: i, labels: { team: "nlp" } })));
    await record(api.jobs, range(1497, (i) => ({ ms: 100 + i, labels: { team: "cv" } })));
    const page = await api.page(sel("team=nlp"));
    expect(page.items.map((j) => j.id)).toEqual([...nlp].reverse());
    expect(page.nextCursor).toBeUndefined();
    expect(page.partial).toBeUndefined();
    // `in` is a union of indexes; `==` the same as `=`.
    expect((await api.page(sel("team in (nlp,rl)"))).items.map((j) => j.id)).toEqual([...nlp].reverse());
    expect((await api.page(sel("team==nlp"))).items).toHaveLength(3);
  });

  it("When a selector matches more jobs than a page, then the pages follow each other newest first with none repeated or skipped, ties in one millisecond included", async () => {
    const api = await freshApi();
    // 300 jobs, three to a millisecond; every third is nlp, and their env cycles dev/test/prod.
    const specs = range(300, (i) => ({ ms: Math.floor(i / 3), labels: { team: i % 3 === 0 ? "nlp" : "cv", env: ["dev", "test", "prod"][Math.floor(i / 3) % 3]! } }));
    const ids = await record(api.jobs, specs);
    const expected = (keep: (s: Spec) => boolean) =>
      ids
        .map((id, i) => ({ id, score: specs[i]!.ms }))
        .filter((_, i) => keep(specs[i]!))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1))
        .map((p) => p.id);
    const nlp = await api.all(`${sel("team=nlp")}&limit=7`);
    expect(nlp.ids).toEqual(expected((s) => s.labels!.team === "nlp"));
    expect(nlp.partial.every((p) => p === undefined)).toBe(true);
    const devOrTest = await api.all(`${sel("team=nlp,env in (dev,test)")}&limit=9`);
    expect(devOrTest.ids).toEqual(expected((s) => s.labels!.team === "nlp" && s.labels!.env !== "prod"));
    expect(new Set(devOrTest.ids).size).toBe(devOrTest.ids.length);
  });

  it("When jobs are listed by a name prefix, then the index finds the oldest of 1,500 too, newest first, also with a selector and a status", async () => {
    const api = await freshApi();
    const sweep = await record(api.jobs, range(5, (i) => ({ ms: i, name: `sweep-${i}`, labels: { lr: String(i % 2) } })));
    await record(api.jobs, range(1495, (i) => ({ ms: 100 + i, name: `other-${i}` })));
    const page = await api.page("name=sweep-");
    expect(page.items.map((j) => j.id)).toEqual([...sweep].reverse());
    expect(page.partial).toBeUndefined();
    expect((await api.all("name=sweep-&limit=2")).ids).toEqual([...sweep].reverse());
    expect((await api.page(`name=sweep-&${sel("lr=1")}`)).items.map((j) => j.id)).toEqual([sweep[3], sweep[1]]);
    expect((await api.page("name=sweep-3")).items.map((j) => j.id)).toEqual([sweep[3]]);
    await api.jobs.transition(sweep[2]!, "DONE", at(5000), {}, "team-a");
    expect((await api.page("name=sweep-&status=DONE")).items.map((j) => j.id)).toEqual([sweep[2]]);
    expect((await api.page("name=nothing-")).items).toEqual([]);
  });

  it("When a job is removed, then it leaves every index, and an index left empty is gone", async () => {
    const api = await freshApi();
    const [gone, stays] = await record(api.jobs, [
      { ms: 1, name: "gone", labels: { team: "nlp", only: "gone" } },
      { ms: 2, name: "stays", labels: { team: "nlp" } },
    ]);
    await api.jobs.remove(gone!, "team-a");
    expect((await api.page(sel("team=nlp"))).items.map((j) => j.id)).toEqual([stays]);
    expect((await api.page(sel("only=gone"))).items).toEqual([]);
    expect((await api.page("name=gone")).items).toEqual([]);
    const keys = await ixKeys(api.prefix);
    expect(keys.some((k) => k.endsWith("label:only=gone"))).toBe(false);
    expect(await redis.smembers(`{${api.prefix}}:tenant:team-a:jobs:ix:values`)).toEqual(["team=nlp"]);
    expect(await redis.zrange(`{${api.prefix}}:tenant:team-a:jobs:ix:names`, "0", "-1")).toEqual([`stays\0${stays}`]);
  });

  it("When another tenant has jobs with the same labels and names, then they never appear", async () => {
    const api = await freshApi();
    const mine = await record(api.jobs, [{ ms: 1, name: "sweep-a", labels: { team: "nlp" } }]);
    await record(api.jobs, range(20, (i) => ({ ms: 2 + i, name: `sweep-b${i}`, labels: { team: "nlp" }, tenant: "team-b" })));
    expect((await api.page(sel("team=nlp"))).items.map((j) => j.id)).toEqual(mine);
    expect((await api.page("name=sweep-")).items.map((j) => j.id)).toEqual(mine);
    expect((await api.page(sel("team!=cv"))).items.map((j) => j.id)).toEqual(mine);
    expect((await api.page(sel("team=nlp"), "team-b")).items).toHaveLength(20);
    expect((await api.page(sel("team=nlp"), "team-c")).items).toEqual([]);
  });

  it("When a selector has only forms no index answers (!=, !key), then it still works, job by job, and says when a page stopped at the bound", async () => {
    const api = await freshApi();
    const plain = await record(api.jobs, range(3, (i) => ({ ms: i, labels: { team: "nlp" } })));
    await record(api.jobs, range(1497, (i) => ({ ms: 100 + i, labels: { team: "cv", draft: "yes" } })));
    // The first 1,000 jobs examined hold no match: the page says why and goes on from there.
    const first = await api.page(sel("!draft"));
    expect(first).toMatchObject({ items: [], partial: "scan" });
    expect(first.nextCursor).toBeDefined();
    const every = await api.all(sel("team!=cv"));
    expect(every.ids).toEqual([...plain].reverse());
    expect(every.partial[0]).toBe("scan");
    // With an indexed requirement beside it, `!=` is checked on the index's candidates only.
    const narrowed = await api.page(sel("team in (nlp,rl),draft!=yes"));
    expect(narrowed.items.map((j) => j.id)).toEqual([...plain].reverse());
    expect(narrowed.partial).toBeUndefined();
  });

  it("When two indexed requirements overlap only in their oldest job, then a request stops at its index-read bound, says so, and the next pages find it", async () => {
    const api = await freshApi({ indexReadsMax: 300 });
    const [both] = await record(api.jobs, [{ ms: 0, labels: { team: "nlp", env: "prod" } }]);
    await record(api.jobs, [...range(400, (i) => ({ ms: 1 + i, labels: { team: "nlp", env: "dev" } })), ...range(400, (i) => ({ ms: 1000 + i, labels: { team: "cv", env: "prod" } }))]);
    const first = await api.page(sel("team=nlp,env=prod"));
    expect(first).toMatchObject({ items: [], partial: "index" });
    const every = await api.all(sel("team=nlp,env=prod"));
    expect(every.ids).toEqual([both]);
    expect(every.pages).toBeGreaterThan(1);
  });

  it("When a tenant has more distinct label values than the limit, then new ones are not indexed and their jobs are still found", async () => {
    const api = await freshApi({ labelValuesMax: 3 });
    const ids = await record(api.jobs, range(6, (i) => ({ ms: i, labels: { run: `r${i}`, team: "nlp" } })));
    expect(await redis.scard(`{${api.prefix}}:tenant:team-a:jobs:ix:values`)).toBe(3);
    for (let i = 0; i < 6; i++) expect((await api.page(sel(`run=r${i}`))).items.map((j) => j.id)).toEqual([ids[i]]);
    expect((await api.page(sel("team=nlp"))).items).toHaveLength(6);
  });

  it("When a job's labels and name are written again by a later event, then the indexes follow", async () => {
    const api = await freshApi();
    const [id] = await record(api.jobs, [{ ms: 1, name: "first", labels: { team: "nlp" } }]);
    await api.jobs.transition(id!, "APPLYING_IN_CLUSTER", at(2), { name: "second", labels: { team: "cv" } }, "team-a");
    expect((await api.page(sel("team=nlp"))).items).toEqual([]);
    expect((await api.page(sel("team=cv"))).items.map((j) => j.id)).toEqual([id]);
    expect((await api.page("name=first")).items).toEqual([]);
    expect((await api.page("name=second")).items.map((j) => j.id)).toEqual([id]);
  });

  it("When jobs were recorded before the indexes existed, then filtered listings index a bounded number per request, check job by job meanwhile, and then answer from the index", async () => {
    const api = await freshApi({ backfillPerRequest: 600 });
    const nlp = await record(api.jobs, range(3, (i) => ({ ms: i, name: `old-${i}`, labels: { team: "nlp" } })));
    await record(api.jobs, range(1497, (i) => ({ ms: 100 + i, labels: { team: "cv" } })));
    // As a store written before this version: the records and the all-jobs index, no name or label index.
    await redis.del(...(await ixKeys(api.prefix)));
    expect((await api.page(sel("team=nlp"))).partial).toBe("indexing");
    expect((await api.page(sel("team=nlp"))).partial).toBe("indexing");
    const done = await api.page(sel("team=nlp"));
    expect(done.items.map((j) => j.id)).toEqual([...nlp].reverse());
    expect(done.partial).toBeUndefined();
    expect((await api.page("name=old-")).items).toHaveLength(3);
    expect(await redis.zcard(`{${api.prefix}}:tenant:team-a:jobs:ix:names`)).toBe(1500);
  });

  it("When jobs are recorded unindexed after the indexes were built (an older replica during a rolling update), then the next filtered listing indexes them, newer and older ones alike", async () => {
    const api = await freshApi();
    await record(api.jobs, range(50, (i) => ({ ms: 100 + i, labels: { team: "cv" } })));
    await redis.del(...(await ixKeys(api.prefix)));
    expect((await api.page(sel("team=nlp"))).items).toEqual([]);
    // Written as the previous transition script wrote them: record and all-jobs index only.
    const [newer, older] = await record(api.jobs, [
      { ms: 500, name: "late", labels: { team: "nlp" } },
      { ms: 1, name: "skewed", labels: { team: "nlp" } },
    ]);
    for (const [id, name] of [[newer, "late"], [older, "skewed"]] as const) {
      await redis.zrem(`{${api.prefix}}:tenant:team-a:jobs:ix:names`, `${name}\0${id}`);
      await redis.zrem(`{${api.prefix}}:tenant:team-a:jobs:ix:label:team=nlp`, id!);
    }
    const page = await api.page(sel("team=nlp"));
    expect(page.items.map((j) => j.id)).toEqual([newer, older]);
    expect(page.partial).toBeUndefined();
    // Found through the index, not by reading every job.
    expect(await redis.zrange(`{${api.prefix}}:tenant:team-a:jobs:ix:label:team=nlp`, "0", "-1")).toEqual([older, newer]);
  });

  it("When cpctl lists with -l, then it shows the oldest matches of 1,500 jobs; with a selector no index answers it follows the cut pages and notes why", async () => {
    const api = await freshApi();
    const nlp = await record(api.jobs, range(3, (i) => ({ ms: i, labels: { team: "nlp" } })));
    await record(api.jobs, range(1497, (i) => ({ ms: 100 + i, labels: { team: "cv", draft: "yes" } })));
    const [indexed, scanned] = await Promise.all([cpctl(api.base, ["list", "-l", "team=nlp", "-o", "name"]), cpctl(api.base, ["list", "-l", "!draft", "-o", "name"])]);
    expect(indexed.code, indexed.stderr).toBe(0);
    expect(indexed.stdout.trim().split("\n")).toEqual([...nlp].reverse());
    expect(indexed.stderr).toBe("");
    expect(scanned.code, scanned.stderr).toBe(0);
    expect(scanned.stdout.trim().split("\n")).toEqual([...nlp].reverse());
    expect(scanned.stderr).toMatch(/checked one by one, 1000 per request/);
  });
});
