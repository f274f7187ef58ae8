import * as k8s from "@kubernetes/client-node";
import type { QueueSource } from "./queue-routes";
import type { ClusterQueueObject } from "./queue-view";

/** The ClusterQueues of the deployments cluster (one list call; the read identity may list them). */
export class KubeQueueSource implements QueueSource {
  private readonly api: k8s.CustomObjectsApi;
  constructor(kc: k8s.KubeConfig) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
  }
  async clusterQueues(): Promise<ClusterQueueObject[]> {
    const list = (await this.api.listClusterCustomObject({ group: "kueue.x-k8s.io", version: "v1beta2", plural: "clusterqueues" })) as { items?: ClusterQueueObject[] };
    return list.items ?? [];
  }
}
