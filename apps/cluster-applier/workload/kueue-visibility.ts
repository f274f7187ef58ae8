import http from "node:http";
import https from "node:https";
import type * as k8s from "@kubernetes/client-node";
import type { PendingWorkloadsSummary } from "./kueue-workload";

/** Longest answer we read from the visibility API (a few thousand pending workloads). */
const MAX_BYTES = 4 * 1024 * 1024;

/**
 * One ClusterQueue's pending workloads with their positions, from Kueue's visibility API (an
 * aggregated API served by Kueue's manager: GET /apis/visibility.kueue.x-k8s.io/v1beta2/
 * clusterqueues/<name>/pendingworkloads, kubernetes-sigs/kueue@v0.19.2 apis/visibility/v1beta2/
 * types.go and site/content/en/docs/tasks/manage/monitor_pending_workloads/pending_workloads_on_demand.md).
 * The generated clients have no call for this subresource, so it is one GET with the kubeconfig's
 * credentials.
 */
export const pendingWorkloads = async (kc: k8s.KubeConfig, clusterQueue: string, timeoutMs = 5000): Promise<PendingWorkloadsSummary> => {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig names no cluster");
  const url = new URL(`${server.replace(/\/$/, "")}/apis/visibility.kueue.x-k8s.io/v1beta2/clusterqueues/${encodeURIComponent(clusterQueue)}/pendingworkloads`);
  const opts: https.RequestOptions = { method: "GET", headers: { accept: "application/json" }, timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  const client = url.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const req = client.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy(new Error(`the visibility API answered more than ${MAX_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) return reject(new Error(`visibility API: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body) as PendingWorkloadsSummary);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`the visibility API did not answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
};
