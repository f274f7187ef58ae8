import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../apps/shared/contract";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { spawnService, type ServiceProcess } from "../support/service-process";
import { AMQP_URL, REDIS_URL, postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let api: KubeApiDouble;
let stack: TestStack;
let applierEnv: Record<string, string>;
const children: ServiceProcess[] = [];
const DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx}]\n";

beforeAll(async () => {
  api = await startKubeApiDouble();
  // Slow enough that the applier is caught in the middle of applying a job.
  api.writeLatencyMs = 300;
  const dir = await mkdtemp(path.join(os.tmpdir(), "cp-kill-"));
  const kubeconfig = await api.writeKubeconfig(dir);
  stack = await startTestStack({}, ["entrypoint", "yaml-manager", "status-worker"]);
  applierEnv = { AMQP_URL, REDIS_URL, NAME_PREFIX: stack.prefix, DATA_DIR: stack.dataDir, APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig };
});
afterAll(async () => {
  for (const c of children) c.child.kill("SIGKILL");
  await stack?.cleanup();
  await api?.close();
});

const startApplier = async () => {
  const p = await spawnService("cluster-applier", applierEnv);
  children.push(p);
  await p.ready();
  return p;
};
const applyStarted = async (ns: string) => {
  const deadline = Date.now() + 20_000;
  while (!api.requests.some((r) => r.startsWith("PATCH") && r.includes(`/namespaces/${ns}/`))) {
    if (Date.now() > deadline) throw new Error("the applier never started applying");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("a service dies or is stopped in the middle of a message", () => {
  it("When the applier is killed (SIGKILL) mid-apply, then the message is redelivered to the next applier and the job finishes once", async () => {
    const first = await startApplier();
    const res = await postYaml(stack.url, DEPLOYMENT);
    const { id } = (await res.json()) as JobView;
    const ns = `job-${id}`;
    await applyStarted(ns);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull(); // killed, not exited

    const patchesBefore = api.requests.filter((r) => r.includes(`/${ns}/`)).length;
    await startApplier();
    const job = await waitForStatus(stack.url, id, ["DONE", "FAILED"], 30_000);
    expect(job.status).toBe("DONE");
    expect(job.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    // Redelivered and applied again (server-side apply is idempotent): one Deployment, no duplicates.
    expect(api.requests.filter((r) => r.includes(`/${ns}/`)).length).toBeGreaterThan(patchesBefore);
    expect([...api.objects.keys()].filter((k) => k.startsWith(`deployments/${ns}/`))).toEqual([`deployments/${ns}/web`]);
  }, 240_000);

  it("When the applier gets SIGTERM mid-apply, then it finishes the job, acks, and exits 0 before the grace period", async () => {
    for (const c of children) c.child.kill("SIGKILL");
    const only = await startApplier();
    const res = await postYaml(stack.url, DEPLOYMENT.replace("name: web}", "name: web2}"));
    const { id } = (await res.json()) as JobView;
    await applyStarted(`job-${id}`);
    const t0 = Date.now();
    only.child.kill("SIGTERM");
    expect(await only.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(25_000);
    // No other applier is running: the job is DONE only if the stopping one finished it.
    const job = await waitForStatus(stack.url, id, ["DONE", "FAILED"], 10_000);
    expect(job.status).toBe("DONE");
  }, 240_000);
});
