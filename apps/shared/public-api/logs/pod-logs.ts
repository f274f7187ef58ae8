import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import * as k8s from "@kubernetes/client-node";
import { JOB_ID_LABEL, namespaceFor } from "../../contract";

export interface LogStream {
  /** `pod/container`, the prefix of each line when several streams are merged. */
  name: string;
  lines: AsyncIterable<string>;
  abort(): void;
}

export interface ContainerRef {
  pod: string;
  container: string;
}

/**
 * A job's logs while its pods exist, read through the API server with client-node's `Log`
 * (GET /api/v1/namespaces/{ns}/pods/{pod}/log; with follow=true the server keeps the response
 * open until the container stops: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#get-read-log-of-the-specified-pod).
 */
export class PodLogs {
  private readonly core: k8s.CoreV1Api;
  private readonly log: k8s.Log;

  constructor(kc: k8s.KubeConfig) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.log = new k8s.Log(kc);
  }

  /** The job's containers that exist now (none when its namespace is gone). */
  async containers(jobId: string): Promise<ContainerRef[]> {
    let pods: k8s.V1PodList;
    try {
      pods = await this.core.listNamespacedPod({ namespace: namespaceFor(jobId), labelSelector: JOB_ID_LABEL });
    } catch (err) {
      if (err instanceof k8s.ApiException && err.code === 404) return [];
      throw err;
    }
    return pods.items.flatMap((p) =>
      [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => ({ pod: p.metadata?.name ?? "", container: c.name })),
    );
  }

  /** Start one container's log; resolves once the API server has answered (throws its refusal). */
  async open(jobId: string, ref: ContainerRef, opts: { follow: boolean; tailLines?: number; sinceSeconds?: number; timestamps?: boolean; previous?: boolean }): Promise<LogStream> {
    const sink = new PassThrough();
    // PodLogOptions, passed through (client-node's LogOptions: sinceSeconds, timestamps, previous).
    const controller = await this.log.log(namespaceFor(jobId), ref.pod, ref.container, sink, {
      follow: opts.follow,
      ...(opts.tailLines ? { tailLines: opts.tailLines } : {}),
      ...(opts.sinceSeconds ? { sinceSeconds: opts.sinceSeconds } : {}),
      ...(opts.timestamps ? { timestamps: true } : {}),
      ...(opts.previous ? { previous: true } : {}),
    });
    // The iterator is taken now, not at the first `for await`: lines (and the end) that arrive
    // while other containers' streams are still being opened would otherwise be lost, and a
    // merged read of several containers would never end.
    const lines = createInterface({ input: sink, crlfDelay: Infinity })[Symbol.asyncIterator]();
    return {
      name: `${ref.pod}/${ref.container}`,
      lines: { [Symbol.asyncIterator]: () => lines },
      abort: () => {
        controller.abort();
        sink.end();
      },
    };
  }
}
