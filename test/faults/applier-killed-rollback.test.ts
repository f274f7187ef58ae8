import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPLIER_ACCESS, namespaceFor, topology, type JobView } from "../../apps/shared/contract";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { AMQP_URL, postYaml, waitForStatus } from "../support/test-stack";
import { spawnStack, type StackProcess } from "./stack-process";

/**
 * A rollback waits until the job's namespace is gone, and that can take a while (the
 * namespace controller deletes its content first). The applier dies in the middle: its
 * unacknowledged rollback message goes back to the queue, and the next applier finishes it.
 * The namespace cannot go without an applier meanwhile: the applier's own access binding
 * keeps a finalizer that only a rollback removes, once everything else is gone.
 */
let api: KubeApiDouble;
let stack: StackProcess;
let dir: string;
const DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx}]\n";

beforeAll(async () => {
  api = await startKubeApiDouble();
  dir = await mkdtemp(path.join(os.tmpdir(), "cp-rollback-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{ name: d, cluster: { server: "${api.url}", insecure-skip-tls-verify: true } }]\nusers: [{ name: u, user: { token: test-token } }]\ncontexts: [{ name: d, context: { cluster: d, user: u } }]\ncurrent-context: d\n`);
  stack = await spawnStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, NAMESPACE_DELETE_TIMEOUT_SECONDS: "60" }, "per-service");
});
afterAll(async () => {
  await stack?.cleanup();
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

const until = async (what: string, ok: () => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Every `job.rolled_back` the services publish, heard on a queue of the test's own. */
const listenRolledBack = async (prefix: string) => {
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue("", { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, topology(prefix).exchange, "job.rolled_back");
  const heard: string[] = [];
  await ch.consume(queue, (m) => m && heard.push((JSON.parse(m.content.toString("utf8")) as { jobId: string }).jobId), { noAck: true });
  return { heard, close: () => conn.close() };
};

describe("the applier dies in the middle of a rollback", () => {
  it("When the applier is killed (SIGKILL) while the job's namespace is terminating, then the next applier gets the rollback again: the job is ROLLED_BACK once and the namespace is gone", async () => {
    const t0 = performance.now();
    const res = await postYaml(stack.url, DEPLOYMENT);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const ns = namespaceFor(id);
    expect((await waitForStatus(stack.url, id, ["DONE", "FAILED"], 60_000)).status).toBe("DONE");
    expect(api.get("deployments", ns, "web")).toBeDefined();

    // The namespace controller gets to the namespace's content only after 5 s: the rollback
    // is caught waiting for it.
    api.terminationMs = 5000;
    const rolledBack = await listenRolledBack(stack.prefix);
    try {
      const deleteNs = `DELETE /api/v1/namespaces/${ns}`;
      expect((await fetch(`${stack.url}/jobs/${id}`, { method: "DELETE" })).status).toBe(202);
      await until("the applier deletes the namespace", () => api.get("namespaces", "", ns)?.status?.phase === "Terminating" && api.requests.some((r) => r.startsWith(deleteNs)));
      expect(await stack.kill("cluster-applier", "SIGKILL")).toBeNull();
      const deletesBefore = api.requests.filter((r) => r.startsWith(deleteNs)).length;

      // Without an applier the content goes, but the namespace stays (its access binding's
      // finalizer), and the job stays ROLLING_BACK.
      await until("the namespace controller removes the content", () => [...api.objects.keys()].every((k) => !k.includes(`/${ns}/`) || k === `rolebindings/${ns}/${APPLIER_ACCESS.jobBinding}`));
      expect(api.get("namespaces", "", ns)?.status?.phase).toBe("Terminating");
      expect(api.get("rolebindings", ns, APPLIER_ACCESS.jobBinding)?.metadata.finalizers).toEqual([APPLIER_ACCESS.bindingFinalizer]);
      expect(((await (await fetch(`${stack.url}/jobs/${id}`)).json()) as JobView).status).toBe("ROLLING_BACK");

      await stack.start("cluster-applier");
      const job = await waitForStatus(stack.url, id, ["ROLLED_BACK"], 60_000);
      expect(job.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE", "ROLLING_BACK", "ROLLED_BACK"]);
      // The new applier had the rollback message again (it deleted the namespace anew), and
      // the namespace and everything in it are gone.
      expect(api.requests.filter((r) => r.startsWith(deleteNs)).length).toBeGreaterThan(deletesBefore);
      expect(api.get("namespaces", "", ns)).toBeUndefined();
      expect([...api.objects.keys()].filter((k) => k.includes(`/${ns}/`))).toEqual([]);
      // Once: the services drain and stop (exit 0), and no second "rolled back" was said.
      expect(await stack.stop()).toBe(0);
      expect(rolledBack.heard).toEqual([id]);
    } finally {
      await rolledBack.close();
    }
    console.info(`test ${Math.round(performance.now() - t0)} ms`);
  }, 240_000);
});
