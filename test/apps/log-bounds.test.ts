import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL, LOG_CONTAINERS_HEADER, LOG_MAX_CONTAINERS, LOG_SOURCE_HEADER, type JobView } from "../../apps/shared/contract";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let api: KubeApiDouble;
let stack: TestStack;
beforeAll(async () => {
  api = await startKubeApiDouble();
  const kubeconfig = await api.writeKubeconfig(await mkdtemp(path.join(os.tmpdir(), "cp-log-bounds-")));
  stack = await startTestStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, LOG_READER_USERS: DOUBLE_USERS.reader.name, LOG_LEVEL: "warn" });
});
afterAll(async () => {
  await stack?.cleanup();
  await api?.close();
});

describe("live logs fan out within bounds (issue 23, item 6)", () => {
  it("When a job has more containers than LOG_MAX_CONTAINERS, then one request reads only that many from the API server and says so in a header", async () => {
    const res = await postYaml(stack.url, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    const id = ((await res.json()) as JobView).id;
    await waitForStatus(stack.url, id, ["DONE"], 20_000);
    const ns = `job-${id}`;
    const names = Array.from({ length: LOG_MAX_CONTAINERS + 3 }, (_, i) => `c${i}`);
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "wide", namespace: ns, labels: { [JOB_ID_LABEL]: id } }, spec: { containers: names.map((name) => ({ name, image: "busybox" })) }, status: { phase: "Running" } });
    for (const c of names) api.podLogs.write(ns, "wide", c, `hello from ${c}\n`);

    const before = api.podLogs.requests.length;
    const logs = await fetch(`${stack.url}/jobs/${id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.headers.get(LOG_SOURCE_HEADER)).toBe("live");
    const lines = (await logs.text()).split("\n").filter(Boolean);
    // Before: every container's log was opened at once through the shared API server.
    expect(api.podLogs.requests.length - before).toBe(LOG_MAX_CONTAINERS);
    expect(lines).toHaveLength(LOG_MAX_CONTAINERS);
    expect(logs.headers.get(LOG_CONTAINERS_HEADER)).toBe(`${LOG_MAX_CONTAINERS}/${names.length}`);
    // A container past the bound is read when named.
    const last = await fetch(`${stack.url}/jobs/${id}/logs?container=${names.at(-1)}`);
    expect(await last.text()).toBe(`hello from ${names.at(-1)}\n`);
  }, 40_000);
});
