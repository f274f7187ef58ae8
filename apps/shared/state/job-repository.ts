import { ReplyError, type Redis } from "ioredis";
import { DependencyDownError, badRequest } from "../errors/app-error";
import {
  JOB_STATUSES,
  type AdmissionWarning,
  STATUS_RANK,
  type HistoryEntry,
  type JobStatus,
  type JobView,
  type Problem,
  type ResourceRef,
  type TargetKind,
  type Workload,
  DEFAULT_TENANT,
  namespaceFor,
} from "../contract";
import { TRANSITION_LUA } from "./transition-script";
import { WORKLOAD_LUA } from "./workload-script";


const NOT_SERVING_YET = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/;

/** See JobRepository.call: which Redis errors mean "not reachable now" and which are real. */
export const redisErrorToAppError = (err: unknown): unknown =>
  err instanceof ReplyError && !NOT_SERVING_YET.test((err as Error).message) ? err : new DependencyDownError("redis", err);

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
}

export interface Page {
  items: JobView[];
  nextCursor?: string;
}

type WithTransition = Redis & {
  jobTransition(...args: (string | number)[]): Promise<number>;
  jobWorkload(key: string, at: string, workload: string): Promise<number>;
};

/**
 * Job state and history in Redis. Every key carries the `{prefix}` hash tag so that the
 * multi-key script stays valid on Redis Cluster (all of one stack's keys share a slot).
 */
export class JobRepository {
  private readonly redis: WithTransition;
  private readonly p: string;

  constructor(redis: Redis, prefix: string) {
    this.p = `{${prefix}}:`;
    redis.defineCommand("jobTransition", { numberOfKeys: 3, lua: TRANSITION_LUA });
    redis.defineCommand("jobWorkload", { numberOfKeys: 1, lua: WORKLOAD_LUA });
    this.redis = redis as WithTransition;
  }

  /**
   * Connection trouble becomes DependencyDownError, and so do the replies of a Redis that is
   * up but not serving yet (loading its data after a restart, a cluster failing over).
   * Other replies (a script error, say) are real errors.
   */
  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw redisErrorToAppError(err);
    }
  }

  private jobKey = (id: string) => `${this.p}job:${id}`;
  private historyKey = (id: string) => `${this.p}job:${id}:history`;
  private allKey = (tenant: string) => `${this.p}tenant:${tenant}:jobs`;
  private statusIndex = (tenant: string) => `${this.p}tenant:${tenant}:jobs:status:`;

  /** Record a status event; safe to call any number of times, in any order. */
  async transition(id: string, status: JobStatus, at: string, details: TransitionDetails = {}, tenant = DEFAULT_TENANT): Promise<TransitionResult> {
    const extra: string[] = [];
    if (details.reason !== undefined) extra.push("reason", details.reason);
    if (details.problems !== undefined) extra.push("problems", JSON.stringify(details.problems));
    if (details.resources !== undefined) extra.push("resources", JSON.stringify(details.resources));
    if (details.target !== undefined) extra.push("target", details.target);
    if (details.warnings !== undefined && details.warnings.length > 0) extra.push("warnings", JSON.stringify(details.warnings));
    const code = await this.call(() => this.redis.jobTransition(
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

  /** Record what the job's objects do in the cluster; older news than what is stored is dropped. */
  async setWorkload(id: string, workload: Workload): Promise<boolean> {
    return (await this.call(() => this.redis.jobWorkload(this.jobKey(id), workload.observedAt, JSON.stringify(workload)))) === 1;
  }

  async get(id: string): Promise<JobView | null> {
    const [[, hash], [, history]] = (await this.call(() => this.redis.multi().hgetall(this.jobKey(id)).hgetall(this.historyKey(id)).exec())) as [
      [unknown, Record<string, string>],
      [unknown, Record<string, string>],
    ];
    return toView(hash, history);
  }

  async list(opts: { tenant: string; status?: JobStatus; limit: number; cursor?: string }): Promise<Page> {
    const offset = opts.cursor ? Number(opts.cursor) : 0;
    // Beyond what Redis takes as an index: a cursor we never handed out.
    if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest("cursor is not one a previous page returned; start again without it");
    const index = opts.status ? `${this.statusIndex(opts.tenant)}${opts.status}` : this.allKey(opts.tenant);
    // One extra id tells whether a next page exists.
    const ids = await this.call(() => this.redis.zrevrange(index, offset, offset + opts.limit));
    const pageIds = ids.slice(0, opts.limit);
    const pipe = this.redis.pipeline();
    for (const id of pageIds) pipe.hgetall(this.jobKey(id)).hgetall(this.historyKey(id));
    const rows = ((await this.call(() => pipe.exec())) ?? []).map(([, v]) => v as Record<string, string>);
    const items: JobView[] = [];
    for (let i = 0; i < pageIds.length; i++) {
      const view = toView(rows[2 * i] ?? {}, rows[2 * i + 1] ?? {});
      if (view) items.push(view);
    }
    return { items, nextCursor: ids.length > opts.limit ? String(offset + opts.limit) : undefined };
  }

  /** How many of the tenant's jobs are at each status (one ZCARD per status index, pipelined). */
  async countByStatus(tenant: string): Promise<Record<JobStatus, number>> {
    const pipe = this.redis.pipeline();
    for (const s of JOB_STATUSES) pipe.zcard(`${this.statusIndex(tenant)}${s}`);
    const replies = (await this.call(() => pipe.exec())) ?? [];
    return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<JobStatus, number>;
  }

  /** Remove a job that was never accepted (its submission failed half-way). */
  async remove(id: string): Promise<void> {
    const [status, stored] = await this.call(() => this.redis.hmget(this.jobKey(id), "status", "tenant"));
    const tenant = stored ?? DEFAULT_TENANT;
    const multi = this.redis.multi().del(this.jobKey(id), this.historyKey(id)).zrem(this.allKey(tenant), id);
    if (status) multi.zrem(`${this.statusIndex(tenant)}${status}`, id);
    await this.call(() => multi.exec());
  }

  /** First caller wins: returns null when the key is ours now, else the job id it names. */
  async claimIdempotencyKey(tenant: string, key: string, jobId: string, ttlSeconds: number): Promise<string | null> {
    const k = `${this.p}tenant:${tenant}:idem:${key}`;
    const ok = await this.call(() => this.redis.set(k, jobId, "EX", ttlSeconds, "NX"));
    return ok === "OK" ? null : await this.call(() => this.redis.get(k));
  }

  async releaseIdempotencyKey(tenant: string, key: string, jobId: string): Promise<void> {
    const k = `${this.p}tenant:${tenant}:idem:${key}`;
    if ((await this.call(() => this.redis.get(k))) === jobId) await this.call(() => this.redis.del(k));
  }

  /** Count a request against the tenant's per-second budget; true while within it. */
  async withinRate(tenant: string, perSecond: number): Promise<boolean> {
    const k = `${this.p}tenant:${tenant}:rate:${Math.floor(Date.now() / 1000)}`;
    const [[, n]] = (await this.call(() => this.redis.multi().incr(k).expire(k, 2).exec())) as [[unknown, number]];
    return n <= perSecond;
  }

  async check(): Promise<void> {
    await this.call(() => this.redis.ping());
  }
}

const parseJson = <T>(raw: string | undefined, fallback: T): T => (raw ? (JSON.parse(raw) as T) : fallback);

const toView = (hash: Record<string, string>, history: Record<string, string>): JobView | null => {
  if (!hash.id) return null;
  const entries: HistoryEntry[] = Object.entries(history)
    .map(([status, at]) => ({ status: status as JobStatus, at }))
    .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.at.localeCompare(b.at));
  return {
    id: hash.id,
    tenant: hash.tenant ?? DEFAULT_TENANT,
    status: hash.status as JobStatus,
    ...(hash.reason ? { reason: hash.reason } : {}),
    ...(hash.problems ? { problems: parseJson<Problem[]>(hash.problems, []) } : {}),
    ...(hash.warnings ? { warnings: parseJson<AdmissionWarning[]>(hash.warnings, []) } : {}),
    history: entries,
    namespace: hash.namespace ?? namespaceFor(hash.id),
    resources: parseJson<ResourceRef[]>(hash.resources, []),
    ...(hash.target ? { target: hash.target as TargetKind } : {}),
    ...(hash.workload ? { workload: parseJson<Workload>(hash.workload, undefined as never) } : {}),
    createdAt: hash.createdAt ?? "",
    updatedAt: hash.updatedAt ?? hash.createdAt ?? "",
  };
};
