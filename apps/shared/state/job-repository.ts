import type { Redis } from "ioredis";
import { notFound } from "../errors/app-error";
import {
  JOB_LABEL_VALUES_INDEXED_MAX,
  JOB_LIST_INDEX_READS_MAX,
  JOB_LIST_SCAN_MAX,
  JOB_STATUSES,
  JobId,
  STATUS_RANK,
  namespaceFor,
  type AdmissionWarning,
  type JobStatus,
  type ListPartialReason,
  type JobView,
  type Problem,
  type ResourceRef,
  type TargetKind,
  type Workload,
} from "../contract";
import { matchesSelector, type Selector } from "../labels/label-selector";
import { encodeCursor, type ListPosition } from "./job-cursor";
import { indexedGroups, isAfter, mergeNewestFirst, newestFirst } from "./job-filter";
import { BACKFILL_LUA, INDEX_LUA } from "./job-index-script";
import { toView } from "./job-view";
import { callRedis, execAll, stackKeyPrefix } from "./redis-errors";
import { TRANSITION_LUA } from "./transition-script";
import { WORKLOAD_LUA } from "./workload-script";

/**
 * Redis script: remove a job's record, history and index entries (status, name, labels).
 * KEYS[1] job hash  KEYS[2] history hash  KEYS[3] the tenant's all-jobs index
 * ARGV[1] the tenant's status-index prefix  ARGV[2] job id  ARGV[3] the tenant's name/label
 * index prefix. Returns 1 removed, 0 not there.
 */
const REMOVE_LUA = `${INDEX_LUA}
local status = redis.call('HGET', KEYS[1], 'status')
if status then redis.call('ZREM', ARGV[1] .. status, ARGV[2]) end
local meta = redis.call('HMGET', KEYS[1], 'name', 'labels')
ixRemove(ARGV[3], ARGV[2], meta[1] or '', ixLabels(meta[2]))
redis.call('ZREM', KEYS[3], ARGV[2])
return redis.call('DEL', KEYS[1], KEYS[2]) > 0 and 1 or 0
`;

export type TransitionResult = "created" | "changed" | "history" | "duplicate" | "unknown";
const RESULTS: TransitionResult[] = ["duplicate", "history", "changed", "created"];

export interface TransitionDetails {
  /** Rebuild the job if Redis lost it (default). Off for "job submitted" (see the script). */
  createIfMissing?: boolean;
  reason?: string;
  problems?: Problem[];
  resources?: ResourceRef[];
  target?: TargetKind;
  warnings?: AdmissionWarning[];
  /** Set when the job is created (POST /yaml, resubmit). */
  name?: string;
  labels?: Record<string, string>;
  resubmittedFrom?: string;
}

export interface Page {
  items: JobView[];
  nextCursor?: string;
  /** A filtered page that stopped at the request's bounds before it was full (LIST_PARTIAL_REASONS). */
  partial?: ListPartialReason;
}

/** The bounds of filtered listings (contract: JOB_LIST_SCAN_MAX and its neighbours); tests lower them. */
export interface FilterLimits {
  /** Job records read per filtered request. */
  scanMax: number;
  /** Index entries read per filtered request. */
  indexReadsMax: number;
  /** Distinct `key=value` pairs indexed per tenant. */
  labelValuesMax: number;
  /** Jobs from before the indexes that one filtered request indexes, while its tenant has some. */
  backfillPerRequest: number;
}
const DEFAULT_LIMITS: FilterLimits = {
  scanMax: JOB_LIST_SCAN_MAX,
  indexReadsMax: JOB_LIST_INDEX_READS_MAX,
  labelValuesMax: JOB_LABEL_VALUES_INDEXED_MAX,
  backfillPerRequest: 5000,
};
/** Jobs one backfill script indexes (one Redis call: short, so other clients wait little). */
const BACKFILL_STEP = 1000;
/** Index entries a filter reads from its driving index per round trip. */
const INDEX_BATCH = 500;
/** Index keys a candidate is looked up in per request at most; requirements beyond are checked job by job. */
const MEMBERSHIP_KEYS_MAX = 32;

/** Where a filtered listing takes its candidates from, newest first, and what each costs in index reads. */
interface Driver {
  cost: number;
  read(after: ListPosition | undefined, count: number): Promise<ListPosition[]>;
}

type WithTransition = Redis & {
  jobTransition(...args: (string | number)[]): Promise<number>;
  jobWorkload(key: string, at: string, workload: string, final: string): Promise<number>;
  jobRemove(jobKey: string, historyKey: string, allKey: string, statusIndexPrefix: string, id: string, indexPrefix: string): Promise<number>;
  jobIndexBackfill(allKey: string, jobKeyPrefix: string, indexPrefix: string, labelValuesMax: number, count: number): Promise<number>;
};

/**
 * Job state and history in Redis, and the tenant's indexes that list them. An API caller's
 * read always names the tenant (getOwned, list); `get` is for the pipeline, whose events
 * carry the job's own tenant.
 */
export class JobRepository {
  private readonly redis: WithTransition;
  private readonly p: string;
  private readonly limits: FilterLimits;

  constructor(redis: Redis, prefix: string, limits: Partial<FilterLimits> = {}) {
    this.p = stackKeyPrefix(prefix);
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    redis.defineCommand("jobTransition", { numberOfKeys: 3, lua: TRANSITION_LUA });
    redis.defineCommand("jobWorkload", { numberOfKeys: 1, lua: WORKLOAD_LUA });
    redis.defineCommand("jobRemove", { numberOfKeys: 3, lua: REMOVE_LUA });
    redis.defineCommand("jobIndexBackfill", { numberOfKeys: 1, lua: BACKFILL_LUA });
    this.redis = redis as WithTransition;
  }

  private jobKey = (id: string) => `${this.p}job:${id}`;
  private historyKey = (id: string) => `${this.p}job:${id}:history`;
  private allKey = (tenant: string) => `${this.p}tenant:${tenant}:jobs`;
  private statusIndex = (tenant: string) => `${this.p}tenant:${tenant}:jobs:status:`;
  /** The tenant's name and label indexes (job-index-script.ts). */
  private indexPrefix = (tenant: string) => `${this.p}tenant:${tenant}:jobs:ix:`;

  /** Record a status event; safe to call any number of times, in any order. */
  async transition(id: string, status: JobStatus, at: string, details: TransitionDetails, tenant: string): Promise<TransitionResult> {
    const extra: string[] = [];
    if (details.reason !== undefined) extra.push("reason", details.reason);
    if (details.problems !== undefined) extra.push("problems", JSON.stringify(details.problems));
    if (details.resources !== undefined) extra.push("resources", JSON.stringify(details.resources));
    if (details.target !== undefined) extra.push("target", details.target);
    if (details.warnings !== undefined && details.warnings.length > 0) extra.push("warnings", JSON.stringify(details.warnings));
    if (details.name !== undefined) extra.push("name", details.name);
    if (details.labels !== undefined && Object.keys(details.labels).length > 0) extra.push("labels", JSON.stringify(details.labels));
    if (details.resubmittedFrom !== undefined) extra.push("resubmittedFrom", details.resubmittedFrom);
    const code = await callRedis(() => this.redis.jobTransition(
      this.jobKey(id),
      this.historyKey(id),
      this.allKey(tenant),
      status,
      STATUS_RANK[status],
      at,
      Date.parse(at),
      this.statusIndex(tenant),
      id,
      namespaceFor(id),
      tenant,
      details.createIfMissing === false ? "0" : "1",
      this.indexPrefix(tenant),
      this.limits.labelValuesMax,
      ...extra,
    ));
    return code === -1 ? "unknown" : (RESULTS[code] ?? "duplicate");
  }

  /**
   * Record what the job's objects do in the cluster; older news than what is stored is dropped,
   * and so is anything after a final outcome (workload-script.ts).
   */
  async setWorkload(id: string, workload: Workload): Promise<boolean> {
    return (await callRedis(() => this.redis.jobWorkload(this.jobKey(id), workload.observedAt, JSON.stringify(workload), workload.final ? "1" : "0"))) === 1;
  }

  /** The job whatever its tenant: for the pipeline. API callers use getOwned. */
  async get(id: string): Promise<JobView | null> {
    const [[, hash], [, history]] = (await callRedis(() => this.redis.multi().hgetall(this.jobKey(id)).hgetall(this.historyKey(id)).exec())) as [
      [unknown, Record<string, string>],
      [unknown, Record<string, string>],
    ];
    return toView(hash, history);
  }

  /** The tenant's job, or null: another tenant's job is treated exactly like a missing one. */
  async findOwned(id: string, tenant: string): Promise<JobView | null> {
    if (!JobId.safeParse(id).success) return null;
    const job = await this.get(id);
    return job?.tenant === tenant ? job : null;
  }

  /** What every route that reads or deletes one job starts with: the tenant's job, or a 404. */
  async getOwned(id: string, tenant: string): Promise<JobView> {
    const job = await this.findOwned(id, tenant);
    if (!job) throw notFound(`no job ${id}`);
    return job;
  }

  /** A page of the tenant's jobs, newest first, starting after `after` (keyset; see job-cursor.ts). */
  async list(opts: { tenant: string; status?: JobStatus; limit: number; after?: ListPosition }): Promise<Page> {
    const index = opts.status ? `${this.statusIndex(opts.tenant)}${opts.status}` : this.allKey(opts.tenant);
    // One extra tells whether a next page exists.
    const positions = await this.positionsAfter(index, opts.after, opts.limit + 1);
    const page = positions.slice(0, opts.limit);
    const pipe = this.redis.pipeline();
    for (const { id } of page) pipe.hgetall(this.jobKey(id)).hgetall(this.historyKey(id));
    const rows = (await callRedis(() => execAll(pipe))).map(([, v]) => v as Record<string, string>);
    const items: JobView[] = [];
    for (let i = 0; i < page.length; i++) {
      const view = toView(rows[2 * i] ?? {}, rows[2 * i + 1] ?? {});
      if (view) items.push(view);
    }
    const last = page.at(-1);
    return { items, nextCursor: positions.length > opts.limit && last ? encodeCursor(last) : undefined };
  }

  /**
   * A page of the tenant's jobs whose name starts with `name` and whose labels match `selector`,
   * newest first, by the same cursor as `list`. The candidates come from the smallest index that
   * answers part of the filter (a `key=value` or `key in (…)` sorted set, the name index, the
   * status index) and are looked up in the others (ZMSCORE); the jobs left are read and the whole
   * filter checked on them. With nothing an index answers, the tenant's jobs (or the status's)
   * are read one by one. Bounded per request (FilterLimits): a page that hits a bound before it
   * is full has `partial` and a nextCursor that goes on from the last job examined.
   */
  async listMatching(opts: { tenant: string; status?: JobStatus; limit: number; after?: ListPosition; name?: string; selector: Selector }): Promise<Page> {
    const { tenant, name, selector } = opts;
    const match = (job: JobView) => (!name || (job.name ?? "").startsWith(name)) && matchesSelector(selector, job.labels ?? {});
    const statusKey = opts.status ? `${this.statusIndex(tenant)}${opts.status}` : undefined;
    const listKey = statusKey ?? this.allKey(tenant);
    const oneByOne = (reason: ListPartialReason) => this.filterFrom(this.keysDriver([listKey]), [], match, opts, reason, this.limits.indexReadsMax);
    const groups = indexedGroups(selector);
    if (groups.length === 0 && !name) return oneByOne("scan");
    if (!(await this.indexReady(tenant))) return oneByOne("indexing");

    const ix = this.indexPrefix(tenant);
    const pipe = this.redis.pipeline().zcard(`${ix}unindexed`);
    for (const pair of groups.flat()) pipe.zcard(`${ix}label:${pair}`);
    if (statusKey) pipe.zcard(statusKey);
    if (name) pipe.zlexcount(`${ix}names`, `[${name}`, `(${name}~`);
    const counts = (await callRedis(() => execAll(pipe))).map(([, v]) => Number(v));
    let at = 0;
    const unindexed = counts[at++]!;
    const zsets = groups.map((pairs) => {
      const keys: string[] = [];
      let size = 0;
      for (const pair of pairs) {
        const n = counts[at++]!;
        if (n > 0) keys.push(`${ix}label:${pair}`);
        size += n;
      }
      // Jobs whose pairs found the tenant's index full are candidates of every label group.
      return unindexed > 0 ? { keys: [...keys, `${ix}unindexed`], size: size + unindexed } : { keys, size };
    });
    if (statusKey) zsets.push({ keys: [statusKey], size: counts[at++]! });
    const named = name ? counts[at++]! : undefined;
    if (zsets.some((g) => g.size === 0) || named === 0) return { items: [] };
    zsets.sort((a, b) => a.size - b.size);

    let reads = this.limits.indexReadsMax;
    let driver: Driver;
    let others: { keys: string[] }[];
    // The name index lists in name order: it drives when it is small enough to read whole (its
    // members, then their creation times, sorted here) within half the request's reads, and no
    // label index is smaller.
    const best = zsets[0];
    if (named !== undefined && 2 * named <= reads / 2 && (!best || best.size > named || groups.length === 0)) {
      driver = await this.nameDriver(tenant, name!, named);
      reads -= 2 * named;
      others = zsets;
    } else if (groups.length > 0) {
      driver = this.keysDriver(best!.keys);
      others = zsets.slice(1);
    } else {
      // Only a name prefix that too many jobs share: checked job by job.
      return oneByOne("scan");
    }
    let keys = 0;
    const lookups = others.filter((g) => (keys += g.keys.length) <= MEMBERSHIP_KEYS_MAX).map((g) => g.keys);
    return this.filterFrom(driver, lookups, match, opts, "index", reads);
  }

  /**
   * The filter's loop: candidates from `driver` in batches, kept when every group of `lookups`
   * has them in one of its keys, then read and checked with `match`. Stops when the page is full,
   * the candidates end, or a bound is reached (then `partial: reason`).
   */
  private async filterFrom(
    driver: Driver,
    lookups: string[][],
    match: (job: JobView) => boolean,
    opts: { limit: number; after?: ListPosition },
    reason: ListPartialReason,
    readsLeft: number,
  ): Promise<Page> {
    const perEntry = driver.cost + lookups.reduce((n, keys) => n + keys.length, 0);
    let reads = readsLeft;
    let fetches = this.limits.scanMax;
    const items: JobView[] = [];
    let after = opts.after;
    for (;;) {
      // Jobs read per round: enough for a page, at most what the bounds leave.
      const fetchCap = Math.min(fetches, Math.max(opts.limit * 2, 50));
      let n = Math.min(INDEX_BATCH, perEntry > 0 ? Math.floor(reads / perEntry) : INDEX_BATCH);
      if (lookups.length === 0) n = Math.min(n, fetchCap);
      // Every request moves on by one job at least, so following nextCursor always ends.
      if (n < 1 && after === opts.after) n = 1;
      if (n < 1) return { items, ...(after ? { nextCursor: encodeCursor(after) } : {}), partial: reason };
      const read = await driver.read(after, n + 1);
      let more = read.length > n;
      let batch = read.slice(0, n);
      reads -= batch.length * perEntry;
      let alive = batch.map((p) => p.id);
      for (const keys of lookups) {
        if (alive.length === 0) break;
        const pipe = this.redis.pipeline();
        for (const key of keys) pipe.zmscore(key, ...alive);
        const found = (await callRedis(() => execAll(pipe))).map(([, v]) => v as (string | null)[]);
        alive = alive.filter((_, i) => found.some((scores) => scores[i] !== null));
      }
      if (alive.length > fetchCap) {
        const firstLeft = alive[fetchCap]!;
        batch = batch.slice(0, batch.findIndex((p) => p.id === firstLeft));
        alive = alive.slice(0, fetchCap);
        more = true;
      }
      fetches -= alive.length;
      const views = await this.views(alive);
      const matched = new Map<string, JobView>();
      alive.forEach((id, i) => {
        const view = views[i];
        if (view && match(view)) matched.set(id, view);
      });
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i]!;
        after = p;
        const view = matched.get(p.id);
        if (!view) continue;
        items.push(view);
        if (items.length === opts.limit) {
          const rest = more || batch.slice(i + 1).some((q) => matched.has(q.id));
          return { items, ...(rest ? { nextCursor: encodeCursor(p) } : {}) };
        }
      }
      if (!more) return { items };
      if (fetches < 1) return { items, ...(after ? { nextCursor: encodeCursor(after) } : {}), partial: reason };
    }
  }

  /** Candidates from sorted sets scored by creation time (one, or the union of several), newest first. */
  private keysDriver(keys: string[]): Driver {
    return {
      cost: keys.length,
      read: async (after, count) =>
        keys.length === 1 ? this.positionsAfter(keys[0]!, after, count) : mergeNewestFirst(await Promise.all(keys.map((k) => this.positionsAfter(k, after, count)))).slice(0, count),
    };
  }

  /** Candidates from the name index: its `count` members under the prefix, with their creation times, newest first. */
  private async nameDriver(tenant: string, prefix: string, count: number): Promise<Driver> {
    const members = await callRedis(() => this.redis.zrangebylex(`${this.indexPrefix(tenant)}names`, `[${prefix}`, `(${prefix}~`, "LIMIT", 0, count));
    const ids = members.map((m) => m.slice(m.indexOf("\0") + 1));
    const scores = ids.length > 0 ? await callRedis(() => this.redis.zmscore(this.allKey(tenant), ...ids)) : [];
    const positions: ListPosition[] = [];
    ids.forEach((id, i) => {
      const score = scores[i];
      if (score !== null && score !== undefined) positions.push({ id, score: Number(score) });
    });
    positions.sort(newestFirst);
    return { cost: 0, read: async (after, n) => positions.filter((p) => isAfter(p, after)).slice(0, n) };
  }

  /**
   * Whether every job of the tenant is in its name index (each job is there once, so the counts
   * tell). Jobs recorded before the indexes existed, or by an older version of the transition
   * script during a rolling update, are not: then this request first indexes up to
   * `backfillPerRequest` jobs (BACKFILL_LUA), from where the last walk stopped. A walk that
   * reaches the newest job and still leaves some out (written with an older time than where it
   * resumed) starts again from the oldest.
   */
  private async indexReady(tenant: string): Promise<boolean> {
    const ix = this.indexPrefix(tenant);
    const complete = async () => {
      const replies = await callRedis(() => execAll(this.redis.pipeline().zcard(this.allKey(tenant)).zcard(`${ix}names`)));
      return Number(replies[1]?.[1]) >= Number(replies[0]?.[1]);
    };
    if (await complete()) return true;
    for (let left = this.limits.backfillPerRequest; left > 0; left -= BACKFILL_STEP) {
      const count = Math.min(BACKFILL_STEP, left);
      const reachedNewest = await callRedis(() => this.redis.jobIndexBackfill(this.allKey(tenant), `${this.p}job:`, ix, this.limits.labelValuesMax, count));
      if (reachedNewest !== 1) continue;
      if (await complete()) return true;
      await callRedis(() => this.redis.del(`${ix}backfill`));
    }
    return false;
  }

  /** The views of these jobs, in order (null where a record is missing). */
  private async views(ids: string[]): Promise<(JobView | null)[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.jobKey(id)).hgetall(this.historyKey(id));
    const rows = (await callRedis(() => execAll(pipe))).map(([, v]) => v as Record<string, string>);
    return ids.map((_, i) => toView(rows[2 * i] ?? {}, rows[2 * i + 1] ?? {}));
  }

  /**
   * The tenant's job ids that start with `prefix` (lower-case hex and dashes only), at most
   * `max`: one SCAN of the tenant's index with a MATCH pattern, in Redis, so no client pages
   * through every job.
   */
  async resolveIdPrefix(tenant: string, prefix: string, max = 10): Promise<string[]> {
    if (!/^[0-9a-f-]+$/.test(prefix)) return [];
    const found = new Set<string>();
    let cursor = "0";
    do {
      const [next, flat] = await callRedis(() => this.redis.zscan(this.allKey(tenant), cursor, "MATCH", `${prefix}*`, "COUNT", 1000));
      for (let i = 0; i < flat.length; i += 2) found.add(flat[i]!);
      cursor = next;
    } while (cursor !== "0" && found.size < max);
    return [...found].sort().slice(0, max);
  }

  /**
   * Up to `count` index entries after a position, newest first. Redis orders equal scores by
   * member, reversed under REV, so "after (s, id)" is: score s and a smaller id, then every
   * lower score. Equal scores are jobs created in the same millisecond: that group is read
   * whole (it is small) and filtered here. ZRANGE's BYSCORE/REV/LIMIT need Redis 6.2 (we run 7.2;
   * tie order and options: https://redis.io/docs/latest/commands/zrange/).
   */
  private async positionsAfter(index: string, after: ListPosition | undefined, count: number): Promise<ListPosition[]> {
    if (!after) return pairs(await callRedis(() => this.redis.zrange(index, "+inf", "-inf", "BYSCORE", "REV", "LIMIT", 0, count, "WITHSCORES")));
    const replies = await callRedis(() =>
      this.redis
        .multi()
        .zrange(index, String(after.score), String(after.score), "BYSCORE", "REV", "WITHSCORES")
        .zrange(index, `(${after.score}`, "-inf", "BYSCORE", "REV", "LIMIT", 0, count, "WITHSCORES")
        .exec(),
    );
    const [same, older] = (replies ?? []).map(([, v]) => pairs(v as string[]));
    return [...(same ?? []).filter((p) => p.id < after.id), ...(older ?? [])].slice(0, count);
  }

  /** How many of the tenant's jobs are at each status (one ZCARD per status index, pipelined). */
  async countByStatus(tenant: string): Promise<Record<JobStatus, number>> {
    const pipe = this.redis.pipeline();
    for (const s of JOB_STATUSES) pipe.zcard(`${this.statusIndex(tenant)}${s}`);
    const replies = await callRedis(() => execAll(pipe));
    return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<JobStatus, number>;
  }

  /**
   * Remove a job that was never accepted (its submission failed half-way). One script, sent at
   * once: when the write it undoes timed out on a Redis that hangs, it waits behind that write on
   * the same connection and runs after it, whenever Redis answers again.
   */
  async remove(id: string, tenant: string): Promise<void> {
    await callRedis(() => this.redis.jobRemove(this.jobKey(id), this.historyKey(id), this.allKey(tenant), this.statusIndex(tenant), id, this.indexPrefix(tenant)));
  }

  async check(): Promise<void> {
    await callRedis(() => this.redis.ping());
  }
}

/** A WITHSCORES reply, flat [member, score, …], as positions. */
const pairs = (flat: string[]): ListPosition[] => {
  const out: ListPosition[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i]!, score: Number(flat[i + 1]) });
  return out;
};
