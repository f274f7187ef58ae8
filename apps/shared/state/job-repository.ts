import type { Redis } from "ioredis";
import { notFound } from "../errors/app-error";
import {
  JOB_STATUSES,
  JobId,
  STATUS_RANK,
  namespaceFor,
  type AdmissionWarning,
  type JobStatus,
  type JobView,
  type Problem,
  type ResourceRef,
  type TargetKind,
  type Workload,
} from "../contract";
import { encodeCursor, type ListPosition } from "./job-cursor";
import { toView } from "./job-view";
import { callRedis, execAll, stackKeyPrefix } from "./redis-errors";
import { TRANSITION_LUA } from "./transition-script";
import { WORKLOAD_LUA } from "./workload-script";

/**
 * Redis script: remove a job's record, history and index entries.
 * KEYS[1] job hash  KEYS[2] history hash  KEYS[3] the tenant's all-jobs index
 * ARGV[1] the tenant's status-index prefix  ARGV[2] job id. Returns 1 removed, 0 not there.
 */
const REMOVE_LUA = `
local status = redis.call('HGET', KEYS[1], 'status')
if status then redis.call('ZREM', ARGV[1] .. status, ARGV[2]) end
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
}

type WithTransition = Redis & {
  jobTransition(...args: (string | number)[]): Promise<number>;
  jobWorkload(key: string, at: string, workload: string, final: string): Promise<number>;
  jobRemove(jobKey: string, historyKey: string, allKey: string, statusIndexPrefix: string, id: string): Promise<number>;
};

/**
 * Job state and history in Redis, and the tenant's indexes that list them. An API caller's
 * read always names the tenant (getOwned, list); `get` is for the pipeline, whose events
 * carry the job's own tenant.
 */
export class JobRepository {
  private readonly redis: WithTransition;
  private readonly p: string;

  constructor(redis: Redis, prefix: string) {
    this.p = stackKeyPrefix(prefix);
    redis.defineCommand("jobTransition", { numberOfKeys: 3, lua: TRANSITION_LUA });
    redis.defineCommand("jobWorkload", { numberOfKeys: 1, lua: WORKLOAD_LUA });
    redis.defineCommand("jobRemove", { numberOfKeys: 3, lua: REMOVE_LUA });
    this.redis = redis as WithTransition;
  }

  private jobKey = (id: string) => `${this.p}job:${id}`;
  private historyKey = (id: string) => `${this.p}job:${id}:history`;
  private allKey = (tenant: string) => `${this.p}tenant:${tenant}:jobs`;
  private statusIndex = (tenant: string) => `${this.p}tenant:${tenant}:jobs:status:`;

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
   * A page of the tenant's jobs that `match` (a name prefix, a label selector), newest first.
   * Redis has no index for these: the tenant's index is read in batches and filtered here, at
   * most `scanMax` entries per request. A page may hold fewer than `limit` jobs and still have a
   * nextCursor: the scan stopped there, and the next page goes on from it.
   */
  async listMatching(opts: { tenant: string; status?: JobStatus; limit: number; after?: ListPosition; match: (job: JobView) => boolean; scanMax?: number }): Promise<Page> {
    const index = opts.status ? `${this.statusIndex(opts.tenant)}${opts.status}` : this.allKey(opts.tenant);
    const scanMax = opts.scanMax ?? 1000;
    const items: JobView[] = [];
    let after = opts.after;
    let scanned = 0;
    for (;;) {
      const batchSize = Math.min(Math.max(opts.limit * 2, 50), scanMax - scanned);
      const positions = await this.positionsAfter(index, after, batchSize + 1);
      const batch = positions.slice(0, batchSize);
      const views = await this.views(batch.map((p) => p.id));
      for (let i = 0; i < batch.length; i++) {
        scanned++;
        after = batch[i];
        const view = views[i];
        if (view && opts.match(view)) items.push(view);
        const restOfBatch = i < batch.length - 1 || positions.length > batchSize;
        if (items.length === opts.limit || scanned >= scanMax) return { items, nextCursor: restOfBatch && after ? encodeCursor(after) : undefined };
      }
      if (positions.length <= batchSize) return { items };
    }
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
    await callRedis(() => this.redis.jobRemove(this.jobKey(id), this.historyKey(id), this.allKey(tenant), this.statusIndex(tenant), id));
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
