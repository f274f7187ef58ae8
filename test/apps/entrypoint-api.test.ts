import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../apps/shared/contract";
import { postYaml, startTestStack, uniquePrefix, waitForStatus, type TestStack } from "../support/test-stack";

/**
 * In the cloud the GKE Gateway routes by path only (no method matches there), so the pod that
 * receives `/yaml` also receives `GET /jobs` and `GET /jobs/{id}`: the entrypoint serves the
 * whole API. Here the entrypoint runs alone in its host, like in its pod; the workers run in
 * another host on the same broker and Redis.
 */
const TOKEN = "a".repeat(32);
const auth = { authorization: `Bearer ${TOKEN}` };
let api: TestStack;
let workers: TestStack;

beforeAll(async () => {
  const prefix = uniquePrefix("api");
  const env = { NAME_PREFIX: prefix, API_TOKENS: `alice:${TOKEN}`, RATE_LIMIT_PER_SECOND: "1000" };
  workers = await startTestStack(env, ["yaml-manager", "cluster-applier", "status-worker"]);
  api = await startTestStack({ ...env, DATA_DIR: workers.dataDir }, ["entrypoint"]);
});
afterAll(async () => {
  await api?.stop();
  await workers?.cleanup();
});

describe("the entrypoint alone serves the whole public API", () => {
  it("When a job is submitted to the entrypoint, then the same entrypoint lists it and answers its status until DONE", async () => {
    const res = await postYaml(api.url, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: '1'\n", auth);
    expect(res.status).toBe(202);
    const job = (await res.json()) as JobView;
    const done = await waitForStatus(api.url, job.id, ["DONE", "REJECTED", "FAILED"], 15_000, auth);
    expect(done.status).toBe("DONE");
    const list = (await (await fetch(`${api.url}/jobs`, { headers: auth })).json()) as { items: JobView[] };
    expect(list.items.map((j) => j.id)).toContain(job.id);
  });

  it("When a read comes without a token, then the entrypoint answers 401", async () => {
    expect((await fetch(`${api.url}/jobs`)).status).toBe(401);
    expect((await fetch(`${api.url}/jobs/0123456789abcdef`)).status).toBe(401);
  });
});
