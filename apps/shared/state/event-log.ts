import type { Redis } from "ioredis";
import { STATUS_RANK, StreamEvent, type JobView, type Workload } from "../contract";
import { callRedis } from "./redis-errors";
import { APPEND_EVENT_LUA } from "./append-script";

export interface StreamEntry {
  id: string;
  event: StreamEvent;
}

export interface EventLogOptions {
  /** Entries kept per tenant stream (approximate, trimmed by Redis as it appends). */
  tenantMaxLen: number;
  jobMaxLen: number;
  /** A job's stream goes this long after its last event. */
  jobTtlSeconds: number;
}

const DEFAULTS: EventLogOptions = { tenantMaxLen: 10_000, jobMaxLen: 1_000, jobTtlSeconds: 7 * 24 * 3600 };

type WithAppend = Redis & { appendJobEvent(...args: (string | number)[]): Promise<string | null> };

/** `[id, [field, value, ...]]` as XRANGE/XREAD return them. */
export type RawEntry = [string, string[]];

export const toEntry = ([id, fields]: RawEntry): StreamEntry | null => {
  const data = fields[fields.indexOf("data") + 1];
  const parsed = data ? StreamEvent.safeParse(JSON.parse(data)) : undefined;
  return parsed?.success ? { id, event: parsed.data } : null;
};

/** Order of stream ids (`<ms>-<seq>`), as Redis orders them. */
export const compareIds = (a: string, b: string): number => {
  const [am = 0n, as = 0n] = a.split("-").map(BigInt);
  const [bm = 0n, bs = 0n] = b.split("-").map(BigInt);
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
};

/**
 * Each job's events as Redis streams: one stream per job (its SSE endpoint reads only its own
 * events) and one per tenant (GET /events), written together by one script. Streams, not
 * pub/sub: a stream is history and live feed in one, and its entry ids are the resume points
 * (Last-Event-ID), so a client that reconnects to any replica misses nothing and sees nothing
 * twice. Keys share the `{prefix}` hash tag with the job records (one slot on Redis Cluster).
 */
export class EventLog {
  readonly redis: WithAppend;
  private readonly p: string;
  private readonly opts: EventLogOptions;

  constructor(redis: Redis, prefix: string, opts: Partial<EventLogOptions> = {}) {
    this.p = `{${prefix}}:events:`;
    this.opts = { ...DEFAULTS, ...opts };
    redis.defineCommand("appendJobEvent", { numberOfKeys: 3, lua: APPEND_EVENT_LUA });
    this.redis = redis as WithAppend;
  }

  jobStream = (jobId: string) => `${this.p}job:${jobId}`;
  tenantStream = (tenant: string) => `${this.p}tenant:${tenant}`;

  private async append(jobId: string, tenant: string, marker: [field: string, value: string | number, compare: "num" | "str" | "once"], event: StreamEvent): Promise<string | null> {
    return callRedis(() =>
      this.redis.appendJobEvent(
        this.tenantStream(tenant),
        this.jobStream(jobId),
        `${this.jobStream(jobId)}:seen`,
        ...marker,
        event.type,
        JSON.stringify(event),
        this.opts.tenantMaxLen,
        this.opts.jobMaxLen,
        this.opts.jobTtlSeconds,
      ),
    );
  }

  /**
   * The job's current status, once per status: a job's statuses only move up in rank. Earlier
   * statuses of its history that the stream has not shown yet go first, in rank order: the
   * status worker handles a job's events concurrently, so `job.validated` can be recorded before
   * `job.submitted` is handled, and without this the stream would never show PENDING (the
   * entrypoint wrote it into the history). A status recorded only after a higher one was
   * streamed stays in the history alone: the stream never moves back.
   */
  async appendStatus(job: JobView): Promise<string | null> {
    const earlier = job.history.filter((h) => STATUS_RANK[h.status] < STATUS_RANK[job.status]).sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]);
    for (const [i, h] of earlier.entries()) {
      const then: JobView = { ...job, status: h.status, updatedAt: h.at, history: earlier.slice(0, i + 1) };
      await this.append(job.id, job.tenant, ["rank", STATUS_RANK[h.status], "num"], { type: "status", jobId: job.id, tenant: job.tenant, at: h.at, status: h.status, job: then });
    }
    const at = job.history.find((h) => h.status === job.status)?.at ?? job.updatedAt;
    return this.append(job.id, job.tenant, ["rank", STATUS_RANK[job.status], "num"], { type: "status", jobId: job.id, tenant: job.tenant, at, status: job.status, job });
  }

  /** A workload summary newer than the last one streamed. */
  appendWorkload(jobId: string, tenant: string, workload: Workload): Promise<string | null> {
    return this.append(jobId, tenant, ["workloadAt", workload.observedAt, "str"], { type: "workload", jobId, tenant, at: workload.observedAt, workload });
  }

  appendRollbackFailed(jobId: string, tenant: string, at: string, reason: string): Promise<string | null> {
    return this.append(jobId, tenant, ["rollbackFailed", "1", "once"], { type: "rollback_failed", jobId, tenant, at, reason });
  }

  /** Up to `count` entries after `afterId` (exclusive), oldest first. */
  async readAfter(key: string, afterId: string | undefined, count: number): Promise<StreamEntry[]> {
    const raw = (await callRedis(() => this.redis.xrange(key, afterId ? `(${afterId}` : "-", "+", "COUNT", count))) as RawEntry[];
    return raw.map(toEntry).filter((e): e is StreamEntry => e !== null);
  }

  /** Up to `count` entries at or before `id` (or the newest), newest first. */
  async readBackFrom(key: string, id: string | undefined, count: number): Promise<StreamEntry[]> {
    const raw = (await callRedis(() => this.redis.xrevrange(key, id ?? "+", "-", "COUNT", count))) as RawEntry[];
    return raw.map(toEntry).filter((e): e is StreamEntry => e !== null);
  }
}
