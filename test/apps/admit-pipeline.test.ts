import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../apps/shared/contract";
import { jobKeys } from "../../apps/shared/storage/job-keys";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.cleanup();
});

describe("admission's warnings reach the user (real RabbitMQ and Redis)", () => {
  it("When a job is admitted with changes, then GET /jobs/:id lists them and they are stored next to the validated manifests", async () => {
    const res = await postYaml(stack.url, "apiVersion: v1\nkind: Pod\nmetadata: {name: cache, namespace: default}\nspec:\n  containers: [{name: redis, image: redis:7}]\n");
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const job = await waitForStatus(stack.url, id, ["DONE"], 20_000);
    const paths = job.warnings!.map((w) => w.path);
    expect(paths).toEqual(expect.arrayContaining(["spec.securityContext.runAsNonRoot", "metadata.namespace"]));
    expect(job.warnings!.find((w) => w.path === "spec.securityContext.runAsNonRoot")).toMatchObject({ file: "body", document: 1, object: "Pod/cache", message: expect.stringMatching(/redis:7/) });
    const stored = JSON.parse(await readFile(path.join(stack.dataDir, jobKeys(id).admission), "utf8")) as { warnings: unknown[] };
    expect(stored.warnings).toEqual(job.warnings);
  });

  it("When a job is refused for its size, then the job is REJECTED with the quota setting named", async () => {
    const res = await postYaml(stack.url, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: big}\nspec:\n  parallelism: 100\n  template:\n    spec:\n      restartPolicy: Never\n      securityContext: {runAsUser: 1000}\n      containers: [{name: c, image: busybox}]\n");
    const { id } = (await res.json()) as JobView;
    const job = await waitForStatus(stack.url, id, ["REJECTED"], 20_000);
    expect(job.problems).toEqual(expect.arrayContaining([expect.objectContaining({ object: "Job/big", rule: "quota/exceeded", message: expect.stringMatching(/JOB_QUOTA_PODS/) })]));
  });
});
