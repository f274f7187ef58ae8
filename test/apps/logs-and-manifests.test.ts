import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL, LOG_SOURCE_HEADER, ManifestsView, type JobView } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let api: KubeApiDouble;
let stack: TestStack;
const fixtures = path.join(__dirname, "../fixtures");

beforeAll(async () => {
  api = await startKubeApiDouble();
  const kubeconfig = await api.writeKubeconfig(await mkdtemp(path.join(os.tmpdir(), "cp-logs-")));
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
const pod = (id: string, name: string, containers: string[], phase: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: `job-${id}`, labels: { [JOB_ID_LABEL]: id } },
  spec: { containers: containers.map((c) => ({ name: c, image: "busybox" })) },
  status: { phase },
});

describe("job logs on the Kubernetes target (API-server double)", () => {
  it("When the job's pod runs, then its logs come live from the API server, with tailLines, and follow=true streams until the container stops", async () => {
    const id = await submit(readFileSync(path.join(fixtures, "manifests/pi-job.yaml"), "utf8"));
    await waitForStatus(stack.url, id, ["DONE"]);
    const ns = `job-${id}`;
    api.put(pod(id, "pi-abc", ["pi"], "Running"));
    api.podLogs.write(ns, "pi-abc", "pi", "3.14\n3.1415\n");

    const all = await fetch(`${stack.url}/jobs/${id}/logs`);
    expect(all.status).toBe(200);
    expect(all.headers.get(LOG_SOURCE_HEADER)).toBe("live");
    expect(await all.text()).toBe("3.14\n3.1415\n");
    const tail = await fetch(`${stack.url}/jobs/${id}/logs?tailLines=1`);
    expect(await tail.text()).toBe("3.1415\n");
    expect(api.podLogs.requests.at(-1)).toContain("tailLines=1");

    const follow = await fetch(`${stack.url}/jobs/${id}/logs?follow=true`);
    const reader = follow.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("3.1415\n")) text += (await reader.read()).value ?? "";
    api.podLogs.write(ns, "pi-abc", "pi", "3.14159\n");
    while (!text.includes("3.14159\n")) text += (await reader.read()).value ?? "";
    api.podLogs.terminate(ns, "pi-abc", "pi");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text).toBe("3.14\n3.1415\n3.14159\n");
  });

  it("When a pod ends, then the applier saves its logs; when the job is rolled back, the running pods' logs are saved first and served once the pods are gone", async () => {
    const id = await submit(readFileSync(path.join(fixtures, "manifests/pi-job.yaml"), "utf8"));
    await waitForStatus(stack.url, id, ["DONE"]);
    const ns = `job-${id}`;
    api.podLogs.write(ns, "pi-done", "pi", "finished fine\n");
    api.put(pod(id, "pi-done", ["pi"], "Succeeded"));
    const savedFile = path.join(stack.dataDir, "jobs", id, "logs", "pi-done", "pi.log");
    await eventually(() => expect(existsSync(savedFile), "the finished pod's log is saved").toBe(true));
    expect(readFileSync(savedFile, "utf8")).toBe("finished fine\n");

    api.put(pod(id, "web-1", ["app", "side"], "Running"));
    api.podLogs.write(ns, "web-1", "app", "serving\n");
    api.podLogs.write(ns, "web-1", "side", "syncing\n");
    expect((await fetch(`${stack.url}/jobs/${id}`, { method: "DELETE" })).status).toBe(202);
    await waitForStatus(stack.url, id, ["ROLLED_BACK"]);
    expect(api.get("pods", ns, "web-1")).toBeUndefined();

    // The namespace is gone: the saved copy is read first, without asking the cluster (which
    // would refuse with 403, the read API's binding gone with the namespace, and log a warning).
    const podListsBefore = api.requests.filter((r) => r.startsWith(`GET /api/v1/namespaces/${ns}/pods`)).length;
    const res = await fetch(`${stack.url}/jobs/${id}/logs`);
    expect(res.status).toBe(200);
    expect(res.headers.get(LOG_SOURCE_HEADER)).toBe("saved");
    expect((await res.text()).split("\n").filter(Boolean).sort()).toEqual(["[pi-done/pi] finished fine", "[web-1/app] serving", "[web-1/side] syncing"]);
    const one = await fetch(`${stack.url}/jobs/${id}/logs?container=side`);
    expect(await one.text()).toBe("syncing\n");
    const none = await fetch(`${stack.url}/jobs/${id}/logs?container=nope`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: string }).error).toMatch(/no container named nope has logs/);
    expect(api.requests.filter((r) => r.startsWith(`GET /api/v1/namespaces/${ns}/pods`)).length, "pod lists after the rollback").toBe(podListsBefore);
  });

  it("When the query is bad or the job is unknown, then the answer is 400 or 404 and says why", async () => {
    const id = await submit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    const bad = await fetch(`${stack.url}/jobs/${id}/logs?tailLines=-3`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/tailLines/);
    expect((await fetch(`${stack.url}/jobs/${id}/logs?follow=yes`)).status).toBe(400);
    expect((await fetch(`${stack.url}/jobs/00000000-0000-4000-8000-000000000001/logs`)).status).toBe(404);
  });
});

describe("job manifests", () => {
  it("When a job was applied, then GET /jobs/:id/manifests shows the files as sent and the objects as admission placed and labelled them", async () => {
    const text = readFileSync(path.join(fixtures, "manifests/web-deployment-and-service.yaml"), "utf8");
    const id = await submit(text);
    await waitForStatus(stack.url, id, ["DONE"]);
    const res = await fetch(`${stack.url}/jobs/${id}/manifests`);
    expect(res.status).toBe(200);
    const view = ManifestsView.parse(await res.json());
    expect(view).toMatchObject({ jobId: id, status: "DONE", target: "kubernetes", submitted: [{ name: "body", text }], problems: [] });
    // What admission changed is reported (issue 13), e.g. the restricted profile's dropped capabilities.
    expect(view.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ object: "Deployment/web", path: "spec.template.spec.containers[0].securityContext.capabilities.drop" })]));
    expect(view.applied!.map((o) => (o.metadata as { namespace: string }).namespace)).toEqual(view.applied!.map(() => `job-${id}`));
    expect(view.applied!.every((o) => (o.metadata as { labels: Record<string, string> }).labels[JOB_ID_LABEL] === id)).toBe(true);
  });

  it("When a job was rejected, then nothing is shown as applied and the problems are there", async () => {
    const id = await submit(readFileSync(path.join(fixtures, "hostile/privileged-pod.yaml"), "utf8"));
    await waitForStatus(stack.url, id, ["REJECTED"]);
    const view = ManifestsView.parse(await (await fetch(`${stack.url}/jobs/${id}/manifests`)).json());
    expect(view.applied).toBeNull();
    expect(view.problems.length).toBeGreaterThan(0);
    expect(view.submitted[0]!.text).toContain("privileged");
  });
});
