import * as k8s from "@kubernetes/client-node";
import { JOB_ID_LABEL, SAVED_LOG_BYTES, namespaceFor } from "../../shared/contract";
import type { Logger } from "../../shared/logging/logger";
import { jobKeys } from "../../shared/storage/job-keys";
import type { ObjectStore } from "../../shared/storage/object-store";
import { TailBuffer } from "./tail-buffer";

export interface PodLogSaverOptions {
  logger: Logger;
  /** Per container; a log read that takes longer is cut off (what arrived is kept). */
  readTimeoutMs?: number;
  bytes?: number;
}

const ENDED = new Set(["Succeeded", "Failed"]);

/**
 * Keeps the job's logs after its pods are gone: each container's last 1 MiB goes to the
 * object store under the job, when its pod ends (watched by label, no polling) and before a
 * rollback deletes the namespace. Kubelets rotate container logs at 10 MiB by default
 * (containerLogMaxSize, https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/),
 * so a read is bounded; only its tail is held in memory. Saving twice overwrites: replicas and
 * restarts may repeat it safely.
 */
export class PodLogSaver {
  private readonly core: k8s.CoreV1Api;
  private readonly log: k8s.Log;
  private readonly informer: k8s.Informer<k8s.V1Pod>;
  private readonly saved = new Set<string>();
  private stopped = false;

  constructor(
    kc: k8s.KubeConfig,
    private readonly store: ObjectStore,
    private readonly opts: PodLogSaverOptions,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.log = new k8s.Log(kc);
    this.informer = k8s.makeInformer<k8s.V1Pod>(kc, "/api/v1/pods", () => this.core.listPodForAllNamespaces({ labelSelector: JOB_ID_LABEL }), JOB_ID_LABEL);
    const onPod = (pod: k8s.V1Pod) => {
      const uid = pod.metadata?.uid ?? "";
      if (!ENDED.has(pod.status?.phase ?? "") || this.saved.has(uid)) return;
      this.saved.add(uid);
      void this.savePod(pod).catch((err: Error) => {
        this.saved.delete(uid);
        opts.logger.warn({ pod: pod.metadata?.name, err: err.message }, "could not save a finished pod's logs");
      });
    };
    this.informer.on("add", onPod);
    this.informer.on("update", onPod);
    this.informer.on("error", (err: unknown) => {
      if (this.stopped) return;
      opts.logger.warn({ err: String((err as Error)?.message ?? err) }, "pod watch for logs failed; restarting");
      setTimeout(() => !this.stopped && this.informer.start().catch(() => undefined), 2000);
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  /** Every container of the pod (init containers too), one after another. */
  async savePod(pod: k8s.V1Pod): Promise<number> {
    const jobId = pod.metadata?.labels?.[JOB_ID_LABEL];
    const name = pod.metadata?.name;
    if (!jobId || !name) return 0;
    let n = 0;
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      if (await this.saveContainer(jobId, name, c.name)) n++;
    }
    return n;
  }

  /** Before a rollback: the logs of every pod the job still has. Never throws (the rollback must go on). */
  async saveJob(jobId: string): Promise<number> {
    try {
      const pods = await this.core.listNamespacedPod({ namespace: namespaceFor(jobId), labelSelector: JOB_ID_LABEL });
      let n = 0;
      for (const pod of pods.items) n += await this.savePod(pod);
      this.opts.logger.info({ jobId, containers: n }, "saved the job's logs before rollback");
      return n;
    } catch (err) {
      if (!(err instanceof k8s.ApiException && err.code === 404)) this.opts.logger.warn({ jobId, err: (err as Error).message }, "could not save the job's logs before rollback");
      return 0;
    }
  }

  private async saveContainer(jobId: string, pod: string, container: string): Promise<boolean> {
    const tail = new TailBuffer(this.opts.bytes ?? SAVED_LOG_BYTES);
    const finished = new Promise<void>((resolve) => tail.on("finish", resolve));
    // A connection that breaks mid-log unpipes without ending: keep what arrived.
    tail.on("unpipe", () => !tail.writableEnded && tail.end());
    let controller: AbortController;
    try {
      controller = await this.log.log(namespaceFor(jobId), pod, container, tail, { follow: false });
    } catch (err) {
      // A container that never started has no log (the API server answers 400).
      this.opts.logger.debug({ jobId, pod, container, err: (err as Error).message }, "no log to save");
      return false;
    }
    const timer = setTimeout(() => {
      controller.abort();
      tail.end();
    }, this.opts.readTimeoutMs ?? 30_000);
    await finished;
    clearTimeout(timer);
    await this.store.put(jobKeys(jobId).log(pod, container), tail.text(), "text/plain; charset=utf-8");
    return true;
  }
}
