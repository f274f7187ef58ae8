/**
 * `cpctl logs --since --timestamps --previous`: the built bin against the app on the Kubernetes
 * target, whose API server is the double (test/support/kube-api-double.ts); the options reach
 * the API server's log endpoint as its PodLogOptions, and saved logs refuse them with the reason.
 */
import { mkdtemp } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL, type JobView } from "../../apps/shared/contract";
import { buildCpctl, runCpctl } from "../support/cpctl";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let api: KubeApiDouble;
let stack: TestStack;
let bin: string;

beforeAll(async () => {
  api = await startKubeApiDouble();
  const kubeconfig = await api.writeKubeconfig(await mkdtemp(path.join(os.tmpdir(), "cp-cli-logs-")));
  [stack, bin] = await Promise.all([
    startTestStack({ APPLIER_TARGET: "kubernetes", KUBECONFIG_PATH: kubeconfig, NAMESPACE_DELETE_TIMEOUT_SECONDS: "10", LOG_READER_USERS: DOUBLE_USERS.reader.name, LOG_LEVEL: "warn" }),
    buildCpctl(),
  ]);
}, 60_000);
afterAll(async () => {
  await stack?.cleanup();
  await api?.close();
});

describe("cpctl logs with the API server's log options", { timeout: 120_000 }, () => {
  it("When --since 1h30m --timestamps --previous are given, then the API server is asked sinceSeconds=5400, timestamps and previous; saved logs refuse them saying why", async () => {
    const res = await postYaml(stack.url, readFileSync(path.join(__dirname, "../fixtures/manifests/pi-job.yaml"), "utf8"));
    const id = ((await res.json()) as JobView).id;
    await waitForStatus(stack.url, id, ["DONE"]);
    const ns = `job-${id}`;
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "pi-abc", namespace: ns, labels: { [JOB_ID_LABEL]: id } }, spec: { containers: [{ name: "pi", image: "busybox" }] }, status: { phase: "Running" } });
    api.podLogs.write(ns, "pi-abc", "pi", "3.14\n");

    const live = await runCpctl(bin, ["logs", id, "--since", "1h30m", "--timestamps", "--previous"], { api: stack.url });
    expect(live.code, live.stderr).toBe(0);
    expect(live.stdout).toBe("3.14\n");
    const asked = new URLSearchParams(api.podLogs.requests.at(-1)!.split("?")[1]);
    expect([asked.get("sinceSeconds"), asked.get("timestamps"), asked.get("previous")]).toEqual(["5400", "true", "true"]);

    // Rolled back, the pod is gone and only its saved log remains: it keeps no times and no previous runs.
    expect((await fetch(`${stack.url}/jobs/${id}`, { method: "DELETE" })).status).toBe(202);
    await waitForStatus(stack.url, id, ["ROLLED_BACK"]);
    const [saved, refused] = await Promise.all([
      runCpctl(bin, ["logs", id], { api: stack.url }),
      runCpctl(bin, ["logs", id, "--since", "10m", "--timestamps"], { api: stack.url }),
    ]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toBe("3.14\n");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/saved logs .* keep no times and no previous runs: ask without sinceSeconds, timestamps/);
    expect(refused.stdout).toBe("");
  });

  it("When --since is not a duration, then it exits 4 naming the forms, before any call", async () => {
    const r = await runCpctl(bin, ["logs", "00000000-0000-4000-8000-000000000001", "--since", "yesterday"], { api: "http://127.0.0.1:9" });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/--since.*1h30m/);
  });
});
