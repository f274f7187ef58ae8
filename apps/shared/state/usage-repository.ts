import type { Redis } from "ioredis";
import {
  MAX_USAGE_JOBS_PER_REPORT,
  MAX_USAGE_PODS_PER_JOB,
  MAX_USAGE_RECORDS_PER_REPORT,
  PodUsage,
  UsageRates,
  type JobUsage,
  type UsageReport,
} from "../contract";
import { ZERO_TOTALS, addTotals, totalsOf } from "../usage/pod-usage";
import { callRedis, execAll } from "./redis-errors";
import { USAGE_LUA } from "./usage-script";

type WithUsage = Redis & { jobUsage(...args: (string | number)[]): Promise<number> };

const ms = (iso: string) => Date.parse(iso);
/** See USAGE_LUA: ended beats running, later beats earlier (ISO times compare as text). */
const rankOf = (p: PodUsage) => (p.endedAt ? `1|${p.endedAt}` : `0|${p.observedAt}`);

/**
 * Each job's pod usage records in Redis, merged by pod uid, and the sums the API shows: a
 * job's usage, and a tenant's usage in a period with its most expensive jobs. Keys share the
 * `{prefix}` hash tag (stackKeyPrefix) (one slot per stack on Redis Cluster).
 */
export class UsageRepository {
  private readonly redis: WithUsage;
  private readonly p: string;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly limits = { jobs: MAX_USAGE_JOBS_PER_REPORT, records: MAX_USAGE_RECORDS_PER_REPORT },
  ) {
    this.p = `{${prefix}}:`;
    redis.defineCommand("jobUsage", { numberOfKeys: 4, lua: USAGE_LUA });
    this.redis = redis as WithUsage;
  }

  private podsKey = (id: string) => `${this.p}job:${id}:usage:pods`;
  private ranksKey = (id: string) => `${this.p}job:${id}:usage:ranks`;
  private tenantKey = (tenant: string) => `${this.p}tenant:${tenant}:usage`;

  private call<T>(op: () => Promise<T>): Promise<T> {
    return callRedis(op);
  }

  /** Merge pod records of a job; safe to repeat, in any order. Returns how many were newer. */
  async record(jobId: string, tenant: string, pods: PodUsage[], rates: UsageRates): Promise<number> {
    if (pods.length === 0) return 0;
    const activity = Math.max(...pods.map((p) => ms(p.endedAt ?? p.observedAt)));
    const triples = pods.flatMap((p) => [p.uid, rankOf(p), JSON.stringify(p)]);
    return this.call(() =>
      this.redis.jobUsage(`${this.p}job:${jobId}`, this.podsKey(jobId), this.ranksKey(jobId), this.tenantKey(tenant), jobId, activity, JSON.stringify(rates), MAX_USAGE_PODS_PER_JOB, ...triples),
    );
  }

  /** Pod records and rates of several jobs, in one round trip. */
  private async loadMany(jobIds: string[]): Promise<({ pods: PodUsage[]; rates: UsageRates } | null)[]> {
    const pipe = this.redis.pipeline();
    for (const id of jobIds) pipe.hvals(this.podsKey(id)).hget(`${this.p}job:${id}`, "usageRates");
    const rows = (await this.call(() => execAll(pipe))).map(([, v]) => v);
    return jobIds.map((_, i) => {
      const records = rows[2 * i] as string[];
      const rates = rows[2 * i + 1] as string | null;
      if (!records?.length || !rates) return null;
      return { pods: records.map((r) => PodUsage.parse(JSON.parse(r))), rates: UsageRates.parse(JSON.parse(rates)) };
    });
  }

  /** A job's usage over its whole life; undefined before any of its pods started. */
  async forJob(jobId: string): Promise<JobUsage | undefined> {
    const [u] = await this.loadMany([jobId]);
    if (!u) return undefined;
    const running = u.pods.filter((p) => !p.endedAt).length;
    const observedAt = u.pods.map((p) => p.endedAt ?? p.observedAt).sort().at(-1)!;
    return { ...totalsOf(u.pods, u.rates), pods: u.pods.length, runningPods: running, final: running === 0, observedAt, rates: u.rates };
  }

  /**
   * The tenant's usage in [from, to): every pod's time clipped to the period. Reads at most
   * MAX_USAGE_JOBS_PER_REPORT jobs active since `from` and MAX_USAGE_RECORDS_PER_REPORT pod
   * records (hostile periods cost little), and says `truncated` when it stopped early.
   */
  async forTenant(tenant: string, from: Date, to: Date, top: number): Promise<UsageReport> {
    const ids = await this.call(() => this.redis.zrangebyscore(this.tenantKey(tenant), from.getTime(), "+inf", "LIMIT", 0, this.limits.jobs + 1));
    const read = ids.slice(0, this.limits.jobs);
    const window = { from: from.getTime(), to: to.getTime() };
    let totals = ZERO_TOTALS;
    let records = 0;
    let stopped = false;
    const jobs: UsageReport["jobs"] = [];
    for (let i = 0; i < read.length && !stopped; i += 100) {
      const batch = read.slice(i, i + 100);
      const loaded = await this.loadMany(batch);
      for (const [k, u] of loaded.entries()) {
        if (!u) continue;
        records += u.pods.length;
        if (records > this.limits.records) {
          stopped = true;
          break;
        }
        const t = totalsOf(u.pods, u.rates, window);
        if (t.cpuCoreSeconds + t.memoryGiBSeconds + t.gpuSeconds === 0) continue;
        totals = addTotals(totals, t);
        jobs.push({ jobId: batch[k]!, ...t });
      }
    }
    jobs.sort((a, b) => b.estimatedCostUsd - a.estimatedCostUsd || b.cpuCoreSeconds - a.cpuCoreSeconds);
    return { tenant, from: from.toISOString(), to: to.toISOString(), totals, jobs: jobs.slice(0, top), truncated: stopped || ids.length > this.limits.jobs };
  }
}
