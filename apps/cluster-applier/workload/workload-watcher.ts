import * as k8s from "@kubernetes/client-node";
import { DEFAULT_TENANT, JOB_ID_LABEL, TENANT_LABEL, clusterQueueFor, type Workload } from "../../shared/contract";
import type { Logger } from "../../shared/logging/logger";
import { KeyedDebouncer } from "./keyed-debouncer";
import { positionsFrom, queueStatus, type KueueWorkload, type Positions } from "./kueue-workload";
import { pendingWorkloads } from "./kueue-visibility";
import { summarizeWorkload, type JobObjects } from "./summarize-workload";

type Listed = k8s.KubernetesObject & { status?: Record<string, unknown> };
type Kind = keyof JobObjects;
const FINAL = "final";

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
}

/**
 * Watches (list + watch, via client-node informers) the Pods, Jobs and Deployments of every
 * job, across namespaces, by the job-id label; after each change it recomputes that job's
 * workload and reports it when it differs from the last report. No polling.
 */
export class WorkloadWatcher {
  private readonly informers: k8s.Informer<Listed>[] = [];
  private readonly cache = new Map<string, Record<Kind, Map<string, Listed>>>();
  private readonly pending: KeyedDebouncer<string>;
  private readonly last = new Map<string, string>();
  private readonly tenants = new Map<string, string>();
  private stopped = false;
  private readonly kc: k8s.KubeConfig;

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

  private async flush(jobId: string) {
    const entry = this.cache.get(jobId);
    if (!entry) return;
    const objects = { pods: [...entry.pods.values()], jobs: [...entry.jobs.values()], deployments: [...entry.deployments.values()], workloads: [...entry.workloads.values()] as KueueWorkload[] };
    if (objects.pods.length + objects.jobs.length + objects.deployments.length + objects.workloads.length === 0) {
      // Everything is gone (rolled back): forget the job, nothing more to report.
      this.cache.delete(jobId);
      this.last.delete(jobId);
      this.tenants.delete(jobId);
      return;
    }
    // A final outcome was reported: what follows (pods going, the Job's TTL deletion) changes nothing.
    if (this.last.get(jobId) === FINAL) return;
    const workload = summarizeWorkload(objects, new Date().toISOString(), await this.positions(jobId, objects.workloads));
    const fingerprint = JSON.stringify({ ...workload, observedAt: undefined });
    if (this.last.get(jobId) === fingerprint) return;
    try {
      await this.opts.report(jobId, this.tenants.get(jobId) ?? DEFAULT_TENANT, workload);
      this.last.set(jobId, workload.final ? FINAL : fingerprint);
    } catch (err) {
      this.opts.logger.warn({ jobId, err: (err as Error).message }, "could not report workload; retrying");
      this.pending.schedule(jobId);
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
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
