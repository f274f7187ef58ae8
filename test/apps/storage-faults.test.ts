import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../apps/shared/contract";
import { startGcsDouble, type GcsDouble } from "../support/gcs-double";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

const CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";

describe("storage failures end in a clear answer, never a hung or half-made job", () => {
  let gcs: GcsDouble;
  let stack: TestStack;
  beforeAll(async () => {
    gcs = await startGcsDouble("jobs");
    stack = await startTestStack({ STORAGE_DRIVER: "gcs", GCS_BUCKET: "jobs", GCS_API_ENDPOINT: gcs.url, STORAGE_RETRIES: "2" });
  });
  afterAll(async () => {
    await stack?.cleanup();
    await gcs?.close();
  });

  it("When GCS works, then jobs flow through it", async () => {
    const res = await postYaml(stack.url, CM);
    const job = await waitForStatus(stack.url, ((await res.json()) as JobView).id, ["DONE", "FAILED"]);
    expect(job.status).toBe("DONE");
    expect([...gcs.objects.keys()].some((k) => k.endsWith(`${job.id}/submission.json`))).toBe(true);
  });

  it("When GCS keeps answering 503 to reads, then after bounded retries the job is FAILED with the reason", async () => {
    gcs.failWhen = (r) => (r.startsWith("GET") && r.includes("submission.json") ? 503 : undefined);
    try {
      const res = await postYaml(stack.url, CM);
      expect(res.status).toBe(202);
      const id = ((await res.json()) as JobView).id;
      const job = await waitForStatus(stack.url, id, ["FAILED", "DONE"], 15_000);
      expect(job.status).toBe("FAILED");
      expect(job.reason).toMatch(/could not read the job's files from storage/);
      // 1 try + 2 retries, not an endless loop.
      expect(gcs.requests.filter((r) => r.startsWith("GET") && r.includes(id)).length).toBe(3);
    } finally {
      gcs.failWhen = undefined;
    }
  });

  it("When GCS refuses the upload, then the submission gets 503 with Retry-After and no job exists", async () => {
    gcs.failWhen = (r) => (r.startsWith("POST /upload") ? 500 : undefined);
    try {
      const res = await postYaml(stack.url, CM);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      const page = (await (await fetch(`${stack.url}/jobs?status=PENDING`)).json()) as { items: JobView[] };
      expect(page.items).toEqual([]);
    } finally {
      gcs.failWhen = undefined;
    }
  });
});

describe("an unwritable data folder", () => {
  it("When the filesystem store cannot write, then submissions get 503 and readiness says why", async () => {
    const blocker = path.join(os.tmpdir(), `cp-blocker-${Date.now()}`);
    await writeFile(blocker, "not a folder");
    const stack = await startTestStack({ DATA_DIR: blocker, STORAGE_RETRIES: "1" });
    try {
      const res = await postYaml(stack.url, CM);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/retry later/);
      const ready = await fetch(`${stack.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.storage).toMatch(/EEXIST|ENOTDIR/);
    } finally {
      await stack.cleanup();
    }
  });
});
