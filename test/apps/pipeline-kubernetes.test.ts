import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL, type JobView } from "../../apps/shared/contract";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let api: KubeApiDouble;
let stack: TestStack;
const fixtures = path.join(__dirname, "../fixtures");

beforeAll(async () => {
  api = await startKubeApiDouble();
  const dir = await mkdtemp(path.join(os.tmpdir(), "cp-kube-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: double, cluster: { server: "${api.url}", insecure-skip-tls-verify: true } }]
users: [{ name: tester, user: { token: test-token } }]
contexts: [{ name: double, context: { cluster: double, user: tester } }]
current-context: double
`,
  );
  stack = await startTestStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, NAMESPACE_DELETE_TIMEOUT_SECONDS: "10", LOG_LEVEL: "warn" });
});
afterAll(async () => {
  await stack?.cleanup();
  await api?.close();
});

const submit = async (text: string) => {
  const res = await postYaml(stack.url, text);
  expect(res.status).toBe(202);
  return ((await res.json()) as JobView).id;
};

describe("the whole pipeline with the Kubernetes target (API-server double)", () => {
  it("When a job is submitted, then it is applied into its fenced namespace, reports its live workload, and DELETE removes everything", async () => {
    const id = await submit(readFileSync(path.join(fixtures, "manifests/web-deployment-and-service.yaml"), "utf8"));
    const ns = `job-${id}`;
    const done = await waitForStatus(stack.url, id, ["DONE", "FAILED", "REJECTED"]);
    expect(done).toMatchObject({ status: "DONE", target: "kubernetes" });
    expect(api.get("deployments", ns, "web")).toBeDefined();
    expect(api.get("namespaces", "", ns)!.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");

    // The cluster starts the pods; the job's status follows by watch.
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-abc", namespace: ns, labels: { [JOB_ID_LABEL]: id } }, status: { phase: "Running" } });
    const deadline = Date.now() + 10_000;
    let job: JobView = done;
    while (job.workload?.phase !== "Running" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await (await fetch(`${stack.url}/jobs/${id}`)).json()) as JobView;
    }
    expect(job.workload).toMatchObject({ phase: "Running", pods: { running: 1 } });
    expect(job.status).toBe("DONE");

    expect((await fetch(`${stack.url}/jobs/${id}`, { method: "DELETE" })).status).toBe(202);
    await waitForStatus(stack.url, id, ["ROLLED_BACK"]);
    expect(api.get("namespaces", "", ns)).toBeUndefined();
    expect([...api.objects.keys()].some((k) => k.includes(`/${ns}/`))).toBe(false);
  });

  it("When hostile manifests are submitted, then each is REJECTED and nothing of it reaches the cluster", async () => {
    const files = readdirSync(path.join(fixtures, "hostile"));
    const ids = await Promise.all(files.map((f) => submit(readFileSync(path.join(fixtures, "hostile", f), "utf8"))));
    for (const id of ids) {
      const job = await waitForStatus(stack.url, id, ["REJECTED", "DONE", "FAILED"]);
      expect(job.status).toBe("REJECTED");
      expect(job.problems!.length).toBeGreaterThan(0);
      expect(api.requests.some((r) => r.includes(`job-${id}`))).toBe(false);
    }
  });

  it("When the cluster refuses an object, then the job is FAILED with the server's reason and nothing is left", async () => {
    const text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    double.test/refuse: too many configmaps\ndata: {a: b}\n";
    const id = await submit(text);
    const job = await waitForStatus(stack.url, id, ["FAILED", "DONE"]);
    expect(job.status).toBe("FAILED");
    expect(job.reason).toMatch(/ConfigMap\/c: .*too many configmaps \(HTTP 422\)/);
    expect(api.get("configmaps", `job-${id}`, "c")).toBeUndefined();
  });
});

describe("an unreachable cluster", () => {
  it("When the cluster cannot be reached, then bounded retries end in FAILED with the reason, not a job stuck forever", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cp-kube-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    // Port 9 (discard) on loopback: connections are refused at once.
    await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{ name: x, cluster: { server: "http://127.0.0.1:9", insecure-skip-tls-verify: true } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: x, context: { cluster: x, user: u } }]\ncurrent-context: x\n`);
    const down = await startTestStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, DELIVERY_LIMIT: "2" });
    try {
      const res = await postYaml(down.url, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
      const job = await waitForStatus(down.url, ((await res.json()) as JobView).id, ["FAILED", "DONE"], 15_000);
      expect(job.status).toBe("FAILED");
      expect(job.reason).toMatch(/^gave up after 2 attempts: /);
    } finally {
      await down.cleanup();
    }
  });
});
