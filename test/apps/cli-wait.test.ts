import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL, type JobView, type WebhookPayload } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

const root = path.join(__dirname, "../..");
const fixtures = path.join(__dirname, "../fixtures");
const PI_JOB = readFileSync(path.join(fixtures, "manifests/pi-job.yaml"), "utf8");

let api: KubeApiDouble;
let stack: TestStack;
beforeAll(async () => {
  api = await startKubeApiDouble();
  const kubeconfig = await api.writeKubeconfig(await mkdtemp(path.join(os.tmpdir(), "cp-wait-")));
  stack = await startTestStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, NAMESPACE_DELETE_TIMEOUT_SECONDS: "10", LOG_READER_USERS: DOUBLE_USERS.reader.name, LOG_LEVEL: "warn", WEBHOOK_ALLOW_PRIVATE: "true" });
});
afterAll(async () => {
  await stack?.cleanup();
  await api?.close();
});

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
  code?: number | null;
}
/** cpctl in its own process, as a user or CI runs it; its output is read while it runs. */
const start = (args: string[], input = ""): Running => {
  const child = spawn(process.execPath, ["apps/cli/cpctl.cjs", ...args], {
    cwd: root,
    env: { ...process.env, CP_API_URL: stack.url, CPCTL_CONFIG: path.join(os.tmpdir(), "cpctl-no-config.yaml") },
  });
  const r: Running = { child, stdout: "", stderr: "", exited: undefined as never };
  child.stdout!.on("data", (c: Buffer) => (r.stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (r.stderr += c.toString()));
  child.stdin!.end(input);
  r.exited = new Promise((resolve) => child.on("close", (code) => resolve((r.code = code))));
  return r;
};
const acceptedId = (r: Running) => eventually(() => {
  const m = /job ([0-9a-f-]{36}) accepted/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return m![1]!;
}, { timeoutMs: 60_000 });
const getJob = async (id: string) => (await (await fetch(`${stack.url}/jobs/${id}`)).json()) as JobView;
const jobPod = (id: string, name: string, status: object) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: `job-${id}`, labels: { [JOB_ID_LABEL]: id }, ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "u", controller: true }] },
  spec: { containers: [{ name: "pi", image: "perl:5.34.0" }] },
  status,
});
const piJob = (id: string, status: object) => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi", namespace: `job-${id}`, labels: { [JOB_ID_LABEL]: id } }, status });
const ended = (exitCode: number, reason: string) => ({ terminated: { exitCode, reason, startedAt: "2026-12-07T10:00:00Z", finishedAt: "2026-12-07T10:01:00Z" } });

describe("waiting means waiting for the end (API-server double as kubelet and Job controller)", { timeout: 120_000 }, () => {
  it("When a Job's container exits 0, then submit --wait exits 0 only once the Job is Complete, and the applied Job carries the added podFailurePolicy", async () => {
    const run = start(["submit", "-f", "-", "--wait"], PI_JOB);
    const id = await acceptedId(run);
    await waitForStatus(stack.url, id, ["DONE"], 60_000);
    expect(api.get("jobs", `job-${id}`, "pi")!.spec.podFailurePolicy).toEqual({ rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] });

    api.put(jobPod(id, "pi-a", { phase: "Running", containerStatuses: [{ name: "pi", restartCount: 0, state: { running: {} } }] }));
    await eventually(async () => expect((await getJob(id)).workload?.phase).toBe("Running"));
    // DONE, and the workload running: a wait that ended at DONE would have returned by now.
    expect(run.code).toBeUndefined();

    api.put(jobPod(id, "pi-a", { phase: "Succeeded", containerStatuses: [{ name: "pi", restartCount: 0, state: ended(0, "Completed") }] }));
    api.put(piJob(id, { startTime: "2026-12-07T10:00:00Z", completionTime: "2026-12-07T10:01:01Z", conditions: [{ type: "Complete", status: "True" }] }));
    expect(await run.exited, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${id}\\s+job-pi\\s+DONE\\s+kubernetes\\s+Succeeded`));
  });

  it("When the container is OOM-killed (exit 137), then submit --wait exits 1 printing OOMKilled, 137 and the log's last lines, the job record says both, and the owner's webhook is told", async () => {
    const notices: WebhookPayload[] = [];
    const receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => (notices.push(JSON.parse(body) as WebhookPayload), res.writeHead(204).end()));
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const hook = await fetch(`${stack.url}/webhooks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, outcomes: ["Failed"] }) });
    expect(hook.status).toBe(201);
    const run = start(["submit", "-f", "-", "--wait"], PI_JOB);
    const id = await acceptedId(run);
    await waitForStatus(stack.url, id, ["DONE"], 60_000);
    api.podLogs.write(`job-${id}`, "pi-a", "pi", "loading 40 GiB of weights\nallocating\n");
    api.put(jobPod(id, "pi-a", { phase: "Failed", containerStatuses: [{ name: "pi", restartCount: 0, state: ended(137, "OOMKilled") }] }));
    api.put(piJob(id, { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] }));
    expect(await run.exited, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/container pi \(Pod\/pi-a\): exit code 137, OOMKilled/);
    expect(run.stderr).toMatch(/\| allocating/);
    const job = await getJob(id);
    expect(job.workload).toMatchObject({ phase: "Failed", final: true, containers: [{ container: "pi", exitCode: 137, reason: "OOMKilled" }] });
    await eventually(() => expect(notices.map((n) => n.job.id)).toContain(id), { timeoutMs: 20_000 });
    expect(notices.find((n) => n.job.id === id)).toMatchObject({ outcome: "Failed", job: { status: "DONE", workload: { phase: "Failed" } } });
    expect(notices.find((n) => n.job.id === id)!.job.workload!.reason).toMatch(/OOMKilled/);
    receiver.closeAllConnections();
    receiver.close();
  });

  it("When a Job uses restartPolicy OnFailure, then the applied Job has no podFailurePolicy and the job's warnings say why", async () => {
    const res = await postYaml(stack.url, PI_JOB.replace("restartPolicy: Never", "restartPolicy: OnFailure"));
    const id = ((await res.json()) as JobView).id;
    const job = await waitForStatus(stack.url, id, ["DONE"], 60_000);
    expect(api.get("jobs", `job-${id}`, "pi")!.spec.podFailurePolicy).toBeUndefined();
    expect(job.warnings?.some((w) => /counts against backoffLimit/.test(w.message))).toBe(true);
  });

  it("When a Deployment becomes available, then watch exits 0", async () => {
    const res = await postYaml(stack.url, readFileSync(path.join(fixtures, "manifests/web-deployment-and-service.yaml"), "utf8"));
    const id = ((await res.json()) as JobView).id;
    await waitForStatus(stack.url, id, ["DONE"], 60_000);
    const run = start(["watch", id]);
    const labels = { [JOB_ID_LABEL]: id };
    for (const name of ["web-1", "web-2"]) api.put({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: `job-${id}`, labels, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-x", uid: "r" }] }, status: { phase: "Running" } });
    api.put({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: `job-${id}`, labels }, spec: { replicas: 2 }, status: { availableReplicas: 2, conditions: [{ type: "Available", status: "True" }] } });
    expect(await run.exited, run.stderr).toBe(0);
    expect((await getJob(id)).workload).toMatchObject({ phase: "Running", available: true });
  });

  it("When a Deployment cannot pull its image, then watch exits 1 naming ImagePullBackOff", async () => {
    const res = await postYaml(stack.url, readFileSync(path.join(fixtures, "manifests/web-deployment-and-service.yaml"), "utf8"));
    const id = ((await res.json()) as JobView).id;
    await waitForStatus(stack.url, id, ["DONE"], 60_000);
    const run = start(["watch", id]);
    api.put({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-1", namespace: `job-${id}`, labels: { [JOB_ID_LABEL]: id }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-x", uid: "r" }] },
      status: { phase: "Pending", containerStatuses: [{ name: "nginx", restartCount: 0, state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nginx:1.27"' } } }] },
    });
    expect(await run.exited, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/workload Failed: container nginx of Pod\/web-1: ImagePullBackOff/);
  });
});
