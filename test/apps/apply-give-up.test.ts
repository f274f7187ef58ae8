import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../apps/shared/contract";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let api: KubeApiDouble;
let stack: TestStack;

beforeAll(async () => {
  api = await startKubeApiDouble();
  const kubeconfig = await api.writeKubeconfig(await mkdtemp(path.join(os.tmpdir(), "cp-kube-")));
  stack = await startTestStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, NAMESPACE_DELETE_TIMEOUT_SECONDS: "10", DELIVERY_LIMIT: "2" });
});
afterAll(async () => {
  await stack?.cleanup();
  await api?.close();
});

describe("an apply whose retries give up", () => {
  it("When the cluster keeps failing one object after the others were applied, then the job is FAILED and its namespace is removed, so nothing of it runs", async () => {
    // The Deployment lands; the ConfigMap after it keeps getting 503 (a server that is
    // restarting: retried, never refused).
    const text = `apiVersion: v1
kind: ServiceAccount
metadata: {name: worker}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations: {double.test/fail-transiently: "etcd leader changed"}
data: {k: v}
`;
    const res = await postYaml(stack.url, text);
    expect(res.status).toBe(202);
    const id = ((await res.json()) as JobView).id;
    const job = await waitForStatus(stack.url, id, ["FAILED", "DONE"], 60_000);
    expect(job.status).toBe("FAILED");
    expect(job.reason).toBe("gave up after 2 attempts: ConfigMap/settings: etcd leader changed (HTTP 503); the job's namespace was removed, nothing of it is left");
    // The namespace existed (the ServiceAccount was applied) and is gone again.
    expect(api.requests.some((r) => r.includes(`job-${id}`))).toBe(true);
    await expect.poll(() => api.get("namespaces", "", `job-${id}`), { timeout: 15_000 }).toBeUndefined();
    expect(api.get("serviceaccounts", `job-${id}`, "worker")).toBeUndefined();
  }, 90_000);
});
