import * as k8s from "@kubernetes/client-node";
import { DEFAULT_TENANT, JOB_ID_LABEL, QUEUE_POSITION_REFRESH_MS, TENANT_LABEL, clusterQueueFor, type Workload } from "../../shared/contract";
import type { Logger } from "../../shared/logging/logger";
import { queuePositionRefreshes } from "../../shared/metrics/metrics";
import { KeyedDebouncer } from "./keyed-debouncer";
import { positionsFrom, queueStatus, type KueueWorkload, type Positions } from "./kueue-workload";
import { pendingWorkloads } from "./kueue-visibility";
import { summarizeWorkload, type JobObjects } from "./summarize-workload";

type Listed = k8s.KubernetesObject & { status?: Record<string, unknown> };
type Kind = keyof JobObjects;
const FINAL = "final";
/** What a report says, but for when it was observed: equal fingerprints are not reported twice. */
const fingerprintOf = (workload: Workload) => JSON.stringify({ ...workload, observedAt: undefined });

export interface WorkloadWatcherOptions {
  logger: Logger;
  /** Called when a job's summary changed. */
  report(jobId: string, tenant: string, workload: Workload): Promise<void>;
  /** Every pod event of a job, as seen (for usage: requests × running time). */
  onPod?(jobId: string, tenant: string, pod: Listed, deleted: boolean): void;
  /** Coalesce bursts of events for one job (a Deployment rollout sends many). */
  debounceMs?: number;
  restartDelayMs?: number;
  /** Watch Kueue's Workloads and ask its visibility API for positions (default: true). */
  kueue?: boolean;
  /** How often Queued jobs' positions are asked again (default QUEUE_POSITION_REFRESH_MS). */
  positionRefreshMs?: number;
  /** After each periodic refresh of positions: the ClusterQueues asked, updates published, errors. */
  onPositionsRefreshed?(refresh: PositionRefresh): void;
}

export interface PositionRefresh {
  clusterQueues: string[];
  published: number;
  errors: number;
}

/**
 * Watches (list + watch, via client-node informers) the Pods, Jobs and Deployments of every
 * job, across namespaces, by the job-id label; after each change it recomputes that job's
 * workload and reports it when it differs from the last report.
 *
 * One thing changes without any event of the job's own: its position in Kueue's queue, as jobs
 * ahead of it are admitted or go. So while some jobs are Queued, every `positionRefreshMs` it
 * asks the visibility API once per ClusterQueue holding such jobs (one request at a time, the
 * next period counted from the end of the last) and reports the jobs whose position moved.
 * Nothing Queued, no timer. Each applier replica does this on its own: the reports are
 * observations with their time, and the status worker keeps the newest (workload-script.ts).
 */
export class WorkloadWatcher {
  private readonly informers: k8s.Informer<Listed>[] = [];
  private readonly cache = new Map<string, Record<Kind, Map<string, Listed>>>();
  private readonly pending: KeyedDebouncer<string>;
  private readonly last = new Map<string, string>();
  private readonly tenants = new Map<string, string>();
  private stopped = false;
  private readonly kc: k8s.KubeConfig;
  /** Jobs whose last summary is Queued, with the ClusterQueue asked for their positions. */
  private readonly queued = new Map<string, string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshRun: Promise<void> | undefined;
  /** ClusterQueues whose last visibility request failed (warned once, until one succeeds). */
  private readonly failing = new Set<string>();

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: WorkloadWatcherOptions,
  ) {
    this.kc = kc;
    this.pending = new KeyedDebouncer((jobId) => void this.flush(jobId), opts.debounceMs);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const labelSelector = JOB_ID_LABEL;
    this.watch(kc, "pods", "/api/v1/pods", () => core.listPodForAllNamespaces({ labelSelector }) as never);
    this.watch(kc, "jobs", "/apis/batch/v1/jobs", () => batch.listJobForAllNamespaces({ labelSelector }) as never);
    this.watch(kc, "deployments", "/apis/apps/v1/deployments", () => apps.listDeploymentForAllNamespaces({ labelSelector }) as never);
    if (opts.kueue ?? true) {
      // Kueue copies the job-id and tenant labels onto the Workloads it makes (labelKeysToCopy in
      // infra/platform-services/kueue-objects.ts).
      const custom = kc.makeApiClient(k8s.CustomObjectsApi);
      this.watch(kc, "workloads", "/apis/kueue.x-k8s.io/v1beta2/workloads", () =>
        custom.listClusterCustomObject({ group: "kueue.x-k8s.io", version: "v1beta2", plural: "workloads", labelSelector }) as never,
      );
    }
  }

  private watch(kc: k8s.KubeConfig, kind: Kind, path: string, list: k8s.ListPromise<Listed>) {
    const informer = k8s.makeInformer<Listed>(kc, path, list, JOB_ID_LABEL);
    const onChange = (obj: Listed, deleted = false) => {
      const jobId = obj.metadata?.labels?.[JOB_ID_LABEL];
      const name = obj.metadata?.name;
      if (!jobId || !name) return;
      const entry = this.cache.get(jobId) ?? { pods: new Map(), jobs: new Map(), deployments: new Map(), workloads: new Map() };
      this.tenants.set(jobId, obj.metadata?.labels?.[TENANT_LABEL] ?? this.tenants.get(jobId) ?? DEFAULT_TENANT);
      if (kind === "pods") this.opts.onPod?.(jobId, this.tenants.get(jobId)!, obj, deleted);
      if (deleted) entry[kind].delete(name);
      else entry[kind].set(name, obj);
      this.cache.set(jobId, entry);
      this.pending.schedule(jobId);
    };
    informer.on("add", (o) => onChange(o));
    informer.on("update", (o) => onChange(o));
    informer.on("delete", (o) => onChange(o, true));
    informer.on("error", (err: unknown) => {
      if (this.stopped) return;
      this.opts.logger.warn({ err: String((err as Error)?.message ?? err), kind }, "watch failed; restarting");
      setTimeout(() => !this.stopped && informer.start().catch(() => undefined), this.opts.restartDelayMs ?? 2000);
    });
    this.informers.push(informer);
  }

  private objectsOf(jobId: string): Required<JobObjects> | undefined {
    const entry = this.cache.get(jobId);
    if (!entry) return undefined;
    return { pods: [...entry.pods.values()], jobs: [...entry.jobs.values()], deployments: [...entry.deployments.values()], workloads: [...entry.workloads.values()] as KueueWorkload[] };
  }

  private async flush(jobId: string) {
    const objects = this.objectsOf(jobId);
    if (!objects) return;
    if (objects.pods.length + objects.jobs.length + objects.deployments.length + objects.workloads.length === 0) {
      // Everything is gone (rolled back): forget the job, nothing more to report.
      this.cache.delete(jobId);
      this.last.delete(jobId);
      this.tenants.delete(jobId);
      this.track(jobId, undefined);
      return;
    }
    // A final outcome was reported: what follows (pods going, the Job's TTL deletion) changes nothing.
    if (this.last.get(jobId) === FINAL) return;
    const workload = summarizeWorkload(objects, new Date().toISOString(), await this.positions(jobId, objects.workloads));
    this.track(jobId, workload);
    const fingerprint = fingerprintOf(workload);
    if (this.last.get(jobId) === fingerprint) return;
    try {
      await this.send(jobId, workload, fingerprint);
    } catch (err) {
      this.opts.logger.warn({ jobId, err: (err as Error).message }, "could not report workload; retrying");
      this.pending.schedule(jobId);
    }
  }

  private async send(jobId: string, workload: Workload, fingerprint: string) {
    await this.opts.report(jobId, this.tenants.get(jobId) ?? DEFAULT_TENANT, workload);
    this.last.set(jobId, workload.final ? FINAL : fingerprint);
  }

  /** Keep the set of Queued jobs, and the refresh timer running exactly while it is not empty. */
  private track(jobId: string, workload: Workload | undefined) {
    if (workload?.phase === "Queued") this.queued.set(jobId, clusterQueueFor(this.tenants.get(jobId) ?? DEFAULT_TENANT));
    else this.queued.delete(jobId);
    if (this.queued.size === 0) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = undefined;
    } else this.armRefresh();
  }

  private armRefresh() {
    if (this.refreshTimer || this.refreshRun || this.stopped || this.queued.size === 0 || !(this.opts.kueue ?? true)) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshRun = this.refreshPositions()
        .catch((err: unknown) => this.opts.logger.error({ err: (err as Error)?.message ?? String(err) }, "queue position refresh failed"))
        .finally(() => {
          this.refreshRun = undefined;
          this.armRefresh();
        });
    }, this.opts.positionRefreshMs ?? QUEUE_POSITION_REFRESH_MS);
  }

  /**
   * Ask each ClusterQueue that has Queued jobs for its pending workloads, one after the other,
   * and report the jobs whose position changed. A job the answer does not list (admitted since,
   * or beyond the answer's first 1000: kubernetes-sigs/kueue@v0.19.2 apis/visibility/v1beta2/
   * defaults.go) is left to its own watch events.
   */
  private async refreshPositions() {
    const byQueue = new Map<string, string[]>();
    for (const [jobId, clusterQueue] of this.queued) byQueue.set(clusterQueue, [...(byQueue.get(clusterQueue) ?? []), jobId]);
    const done: PositionRefresh = { clusterQueues: [], published: 0, errors: 0 };
    for (const [clusterQueue, jobIds] of byQueue) {
      if (this.stopped) return;
      // Taken before asking: what the answer says holds at this time at least.
      const observedAt = new Date().toISOString();
      done.clusterQueues.push(clusterQueue);
      let positions: Positions;
      try {
        positions = positionsFrom(clusterQueue, await pendingWorkloads(this.kc, clusterQueue));
        queuePositionRefreshes.inc({ step: "visibility", outcome: "ok" });
        this.failing.delete(clusterQueue);
      } catch (err) {
        done.errors++;
        queuePositionRefreshes.inc({ step: "visibility", outcome: "error" });
        const level = this.failing.has(clusterQueue) ? "debug" : "warn";
        this.failing.add(clusterQueue);
        this.opts.logger[level]({ clusterQueue, err: (err as Error).message }, "Kueue's visibility API did not answer; queued jobs keep their last known position");
        continue;
      }
      for (const jobId of jobIds) {
        if (this.stopped || this.queued.get(jobId) !== clusterQueue) continue;
        const outcome = await this.refreshJob(jobId, observedAt, positions);
        if (outcome === "published") done.published++;
        if (outcome === "error") done.errors++;
      }
    }
    this.opts.logger.debug(done, "queue positions refreshed");
    this.opts.onPositionsRefreshed?.(done);
  }

  /** Report the job again if, and only if, its position is known and not the one last reported. */
  private async refreshJob(jobId: string, observedAt: string, positions: Positions): Promise<"published" | "unchanged" | "error"> {
    const objects = this.objectsOf(jobId);
    if (!objects) return "unchanged";
    const workload = summarizeWorkload(objects, observedAt, positions);
    const position = workload.phase === "Queued" ? workload.queue?.position : undefined;
    const before = this.last.get(jobId);
    if (position === undefined || before === FINAL || (before !== undefined && (JSON.parse(before) as Workload).queue?.position === position)) return "unchanged";
    try {
      await this.send(jobId, workload, fingerprintOf(workload));
      queuePositionRefreshes.inc({ step: "publish", outcome: "ok" });
      return "published";
    } catch (err) {
      queuePositionRefreshes.inc({ step: "publish", outcome: "error" });
      this.opts.logger.warn({ jobId, err: (err as Error).message }, "could not report a queue position; the next refresh tries again");
      return "error";
    }
  }

  /** Where the job's waiting workloads stand in its tenant's ClusterQueue; none when unknown. */
  private async positions(jobId: string, workloads: KueueWorkload[]): Promise<Positions | undefined> {
    if (!(this.opts.kueue ?? true) || !queueStatus(workloads)) return undefined;
    const clusterQueue = clusterQueueFor(this.tenants.get(jobId) ?? DEFAULT_TENANT);
    try {
      return positionsFrom(clusterQueue, await pendingWorkloads(this.kc, clusterQueue));
    } catch (err) {
      this.opts.logger.debug({ jobId, err: (err as Error).message }, "no queue position from Kueue's visibility API");
      return undefined;
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.cancelAll();
    clearTimeout(this.refreshTimer);
    await this.refreshRun;
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
