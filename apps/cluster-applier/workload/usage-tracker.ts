import { MAX_USAGE_PODS_PER_EVENT, USAGE_REPORT_INTERVAL_MS, type PodUsage, type UsageRates } from "../../shared/contract";
import type { Logger } from "../../shared/logging/logger";
import { podUsageOf, type PodLike } from "../../shared/usage/pod-usage";
import { KeyedDebouncer } from "./keyed-debouncer";

export interface UsageTrackerOptions {
  logger: Logger;
  rates: UsageRates;
  /** Publish pod records of one job (at most MAX_USAGE_PODS_PER_EVENT per call). */
  report(jobId: string, tenant: string, pods: PodUsage[], rates: UsageRates): Promise<void>;
  /** How often running pods are re-reported (their usage grows); ended pods go at once. */
  intervalMs?: number;
  debounceMs?: number;
  now?: () => number;
}

interface Tracked {
  pod: PodLike;
  goneAt?: string;
  /** The record last published, to send only what changed. */
  sent?: string;
}

/**
 * Per job, what each of its pods held on a node and for how long (see podUsageOf), from the
 * workload watcher's pod events. Ended pods are reported at once and then forgotten; running
 * pods every `intervalMs`, so a job's usage grows while it runs. The status worker merges the
 * records by pod uid, so a repeat, an applier restart or several replicas reporting the same
 * pod never count it twice.
 */
export class UsageTracker {
  private readonly jobs = new Map<string, { tenant: string; pods: Map<string, Tracked> }>();
  private readonly pending: KeyedDebouncer<string>;
  private interval?: NodeJS.Timeout;

  constructor(private readonly opts: UsageTrackerOptions) {
    this.pending = new KeyedDebouncer((jobId) => void this.flush(jobId), opts.debounceMs);
  }

  private now = () => new Date((this.opts.now ?? Date.now)()).toISOString();

  observe(jobId: string, tenant: string, pod: PodLike, deleted: boolean): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const job = this.jobs.get(jobId) ?? { tenant, pods: new Map<string, Tracked>() };
    this.jobs.set(jobId, job);
    const tracked = job.pods.get(uid);
    job.pods.set(uid, { pod, sent: tracked?.sent, goneAt: deleted ? (tracked?.goneAt ?? this.now()) : tracked?.goneAt });
    this.pending.schedule(jobId);
  }

  /** Publish what changed for one job; forget pods whose final record went out. */
  async flush(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job) return;
    const now = this.now();
    const changed: [string, Tracked, PodUsage][] = [];
    for (const [uid, t] of job.pods) {
      const record = podUsageOf(t.pod, now, t.goneAt);
      if (!record) {
        if (t.goneAt) job.pods.delete(uid); // never started, now gone: nothing to count
        continue;
      }
      const text = JSON.stringify(record);
      if (text !== t.sent) changed.push([uid, t, record]);
    }
    for (let i = 0; i < changed.length; i += MAX_USAGE_PODS_PER_EVENT) {
      const chunk = changed.slice(i, i + MAX_USAGE_PODS_PER_EVENT);
      try {
        await this.opts.report(jobId, job.tenant, chunk.map(([, , r]) => r), this.opts.rates);
      } catch (err) {
        this.opts.logger.warn({ jobId, err: (err as Error).message }, "could not report usage; retrying at the next tick");
        return;
      }
      for (const [uid, t, r] of chunk) {
        t.sent = JSON.stringify(r);
        if (r.endedAt) job.pods.delete(uid);
      }
    }
    if (job.pods.size === 0) this.jobs.delete(jobId);
  }

  start(): void {
    this.interval = setInterval(() => {
      for (const jobId of [...this.jobs.keys()]) void this.flush(jobId);
    }, this.opts.intervalMs ?? USAGE_REPORT_INTERVAL_MS);
  }

  /** Stop ticking and publish the last state of every job (running pods up to now). */
  async stop(): Promise<void> {
    clearInterval(this.interval);
    this.pending.cancelAll();
    await Promise.all([...this.jobs.keys()].map((id) => this.flush(id)));
  }
}
