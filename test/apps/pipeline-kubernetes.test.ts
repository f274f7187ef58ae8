import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL, LOG_READER_ACCESS, type JobView } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let api: KubeApiDouble;
let stack: TestStack;
const fixtures = path.join(__dirname, "../fixtures");

beforeAll(async () => {
  api = await startKubeApiDouble();
  const kubeconfig = await api.writeKubeconfig(await mkdtemp(path.join(os.tmpdir(), "cp-kube-")));
  stack = await startTestStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, NAMESPACE_DELETE_TIMEOUT_SECONDS: "10", LOG_READER_USERS: DOUBLE_USERS.reader.name, LOG_LEVEL: "warn" });
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
    // The read API's log access, from the applier's configuration, in this namespace only.
    expect(api.get("rolebindings", ns, LOG_READER_ACCESS.jobBinding)!.subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: DOUBLE_USERS.reader.name }]);

    // The cluster starts the pods; the job's status follows by watch.
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-abc", namespace: ns, labels: { [JOB_ID_LABEL]: id } }, status: { phase: "Running" } });
    const job = await eventually(async () => {
      const seen = (await (await fetch(`${stack.url}/jobs/${id}`)).json()) as JobView;
      expect(seen.workload).toMatchObject({ phase: "Running", pods: { running: 1 } });
      return seen;
    });
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

/**
 * A job that refers to itself, as `kubectl create serviceaccount|rolebinding|job --dry-run=client -o yaml`
 * writes it (kubectl 1.32; `create role` and `run` need a server for discovery, so those two are
 * written in the same shape by hand, and the binding's subject namespace, which admission fills
 * in, is left out).
 */
const KUBECTL_SET = `apiVersion: v1
kind: ServiceAccount
metadata:
  creationTimestamp: null
  name: runner
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  creationTimestamp: null
  name: pod-reader
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - get
  - list
  - watch
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  creationTimestamp: null
  name: runner-reads-pods
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-reader
subjects:
- kind: ServiceAccount
  name: runner
---
apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    run: worker
  name: worker
spec:
  serviceAccountName: runner
  terminationGracePeriodSeconds: 3600
  containers:
  - args:
    - sleep
    - "60"
    image: busybox:1.36
    name: worker
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Never
status: {}
`;

describe("jobs that a real server accepts, and jobs it would refuse (issue 18)", () => {
  it("When a job brings its own ServiceAccount, Role, RoleBinding and a Pod running as that account, then it is DONE, and DELETE ends ROLLED_BACK despite the pod's one-hour grace period", async () => {
    const id = await submit(KUBECTL_SET);
    const ns = `job-${id}`;
    const job = await waitForStatus(stack.url, id, ["DONE", "FAILED", "REJECTED"]);
    expect(job.status).toBe("DONE");
    expect(api.get("rolebindings", ns, "runner-reads-pods")!.roleRef.name).toBe("pod-reader");
    expect(api.get("pods", ns, "worker")!.spec.serviceAccountName).toBe("runner");
    // The scheduler and kubelet run the pod; at the double's pace its grace period is 36 s, the rollback's timeout 10 s.
    const pod = api.get("pods", ns, "worker")!;
    api.put({ ...pod, spec: { ...pod.spec, nodeName: "node-1" }, status: { phase: "Running" } });
    expect((await fetch(`${stack.url}/jobs/${id}`, { method: "DELETE" })).status).toBe(202);
    expect((await waitForStatus(stack.url, id, ["ROLLED_BACK", "FAILED"], 15_000)).status).toBe("ROLLED_BACK");
    expect(api.get("namespaces", "", ns)).toBeUndefined();
  });

  it("When a Role grants what the platform does not hold (pods/log, all API groups), then the job is REJECTED saying which permission, and nothing reaches the cluster", async () => {
    const text = KUBECTL_SET.replace("  verbs:\n  - get\n  - list\n  - watch\n", "  verbs:\n  - get\n- apiGroups: [\"*\"]\n  resources: [pods/log]\n  verbs: [get]\n");
    const id = await submit(text);
    const job = await waitForStatus(stack.url, id, ["REJECTED", "DONE", "FAILED"]);
    expect(job.status).toBe("REJECTED");
    // Admission's own RBAC rules (issue 13) refuse the wildcard group too; the not-held check names the permission.
    expect(job.problems).toEqual(expect.arrayContaining([expect.objectContaining({ object: "Role/pod-reader", path: "rules[1]", rule: "rbac/not-held", message: expect.stringMatching(/cluster would refuse this Role: it grants get pods\/log\.\*/) })]));
    expect(api.requests.some((r) => r.includes(`job-${id}`))).toBe(false);
  });

  it("When the cluster refuses an object only in the real apply (a quota race), then the job is FAILED with the server's reason and its namespace is removed", async () => {
    const text = KUBECTL_SET.replace("  name: worker\nspec:", "  name: worker\n  annotations:\n    double.test/refuse-for-real: exceeded quota pods=0\nspec:");
    const id = await submit(text);
    const job = await waitForStatus(stack.url, id, ["FAILED", "DONE"]);
    expect(job.status).toBe("FAILED");
    expect(job.reason).toMatch(/Pod\/worker: pods "worker" is forbidden: exceeded quota pods=0 \(HTTP 403\)/);
    expect(job.reason).toMatch(/namespace was removed/);
    await expect.poll(() => api.get("namespaces", "", `job-${id}`), { timeout: 10_000 }).toBeUndefined();
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
