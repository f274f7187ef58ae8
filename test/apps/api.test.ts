import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../apps/shared/contract";
import { jobKeys } from "../../apps/shared/storage/job-keys";
import { eventually } from "../support/eventually";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let stack: TestStack;
let url: string;
const corpus = path.join(__dirname, "../fixtures/manifests");
const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: '1'\n";

beforeAll(async () => {
  stack = await startTestStack({ MAX_BODY_BYTES: "65536", MAX_FILES: "3" });
  url = stack.url;
});
afterAll(async () => {
  await stack?.cleanup();
});

const submit = async (body: string, headers: Record<string, string> = {}) => {
  const res = await postYaml(url, body, headers);
  return { res, body: (await res.json()) as JobView & { error?: string; details?: unknown } };
};
const readJson = async (key: string) => JSON.parse(await readFile(path.join(stack.dataDir, key), "utf8"));
const exists = (key: string) => readFile(path.join(stack.dataDir, key)).then(() => true, () => false);
/** How many job.validated messages the cluster applier has handled to the end (ack), from /metrics. */
const appliesHandled = async () => {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const line = metrics.split("\n").find((l) => l.startsWith('messages_consumed_total{service="cluster-applier",queue="cluster-applier",type="job.validated",outcome="ack"}'));
  return Number(line?.split(" ").at(-1) ?? 0);
};

describe("POST /yaml → job pipeline (real RabbitMQ, Redis, filesystem store, dry-run target)", () => {
  it.each([
    "web-deployment-and-service.yaml",
    "pi-job.yaml",
    "hello-cronjob.yaml",
    "training-statefulset.yaml",
  ])("When %s is submitted, then the job reaches DONE with its resources and the dry-run record", async (file) => {
    const { res, body } = await submit(await readFile(path.join(corpus, file), "utf8"));
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toBe(`/jobs/${body.id}`);
    expect(body).toMatchObject({ status: "PENDING", namespace: `job-${body.id}` });

    const done = await waitForStatus(url, body.id, ["DONE", "REJECTED", "FAILED"]);
    expect(done.status).toBe("DONE");
    expect(done.target).toBe("dry-run");
    expect(done.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    expect(done.resources.every((r) => r.namespace === `job-${body.id}`)).toBe(true);

    const record = await readJson(jobKeys(body.id).applied("dry-run"));
    expect(record.objects.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`)).toEqual(
      done.resources.map((r) => `${r.kind}/${r.name}`),
    );
  });

  it("When the manifests are invalid, then the job is REJECTED with every problem and its position", async () => {
    const { res, body } = await submit("apiVersion: v1\nkind: Namespace\nmetadata: {name: evil}\n---\nkind: Pod\nmetadata: {name: p}\n");
    expect(res.status).toBe(202);
    const job = await waitForStatus(url, body.id, ["REJECTED", "DONE"]);
    expect(job.status).toBe("REJECTED");
    expect(job.reason).toMatch(/^2 problems/);
    expect(job.problems).toEqual([
      expect.objectContaining({ document: 1, path: "kind", message: expect.stringMatching(/cluster-scoped/) }),
      expect.objectContaining({ document: 2, path: "apiVersion", line: 5 }),
    ]);
    expect(await exists(jobKeys(body.id).applied("dry-run"))).toBe(false);
  });

  it("When a DONE job is deleted, then it goes ROLLING_BACK → ROLLED_BACK and its objects are removed; a second DELETE is harmless", async () => {
    const { body } = await submit(CONFIGMAP);
    await waitForStatus(url, body.id, ["DONE"]);
    const del = await fetch(`${url}/jobs/${body.id}`, { method: "DELETE" });
    expect(del.status).toBe(202);
    expect(((await del.json()) as JobView).status).toMatch(/ROLLING_BACK|ROLLED_BACK/);
    const gone = await waitForStatus(url, body.id, ["ROLLED_BACK"]);
    expect(gone.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE", "ROLLING_BACK", "ROLLED_BACK"]);
    expect(await exists(jobKeys(body.id).applied("dry-run"))).toBe(false);
    expect((await readJson(jobKeys(body.id).rolledBack("dry-run"))).deleted).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", namespace: `job-${body.id}`, name: "settings" },
    ]);

    const again = await fetch(`${url}/jobs/${body.id}`, { method: "DELETE" });
    expect(again.status).toBe(202);
    expect(((await again.json()) as JobView).history).toEqual(gone.history);
  });

  it("When a job is deleted right after submission, then nothing is left applied, whichever event wins", async () => {
    const handled = await appliesHandled(); // earlier tests' jobs are settled
    const { body } = await submit(CONFIGMAP);
    await fetch(`${url}/jobs/${body.id}`, { method: "DELETE" });
    const job = await waitForStatus(url, body.id, ["ROLLED_BACK"]);
    expect(job.status).toBe("ROLLED_BACK");
    // The apply may come after the rollback: wait until the applier has handled it (the
    // tombstone must make it skip or undo itself).
    await eventually(async () => expect(await appliesHandled()).toBe(handled + 1));
    expect(await exists(jobKeys(body.id).applied("dry-run"))).toBe(false);
  });

  it("When the same Idempotency-Key is sent twice, then both answers name the same single job", async () => {
    const key = `key-${Date.now()}`;
    const first = await submit(CONFIGMAP, { "Idempotency-Key": key });
    const second = await submit(CONFIGMAP, { "Idempotency-Key": key });
    expect(first.res.status).toBe(202);
    expect(second.res.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.res.headers.get("idempotent-replayed")).toBe("true");
    const other = await submit(CONFIGMAP.replace("settings", "other"), { "Idempotency-Key": key });
    expect(other.res.status).toBe(422);
    expect(other.body.error).toMatch(/different body/);
  });

  it("When several files are uploaded as multipart, then they form one job", async () => {
    const form = new FormData();
    form.append("files", new Blob([await readFile(path.join(corpus, "pi-job.yaml"))], { type: "application/yaml" }), "pi-job.yaml");
    form.append("files", new Blob([CONFIGMAP], { type: "application/yaml" }), "config.yaml");
    const res = await fetch(`${url}/yaml`, { method: "POST", body: form });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const job = await waitForStatus(url, id, ["DONE", "REJECTED"]);
    // Config before workloads: the order in which they are applied.
    expect(job.resources.map((r) => `${r.kind}/${r.name}`)).toEqual(["ConfigMap/settings", "Job/pi"]);
  });

  it("When a multipart file is invalid, then the problem names that file", async () => {
    const form = new FormData();
    form.append("files", new Blob([CONFIGMAP]), "good.yaml");
    form.append("files", new Blob(["apiVersion: v1\nkind: Secret\n"]), "bad.yaml");
    const res = await fetch(`${url}/yaml`, { method: "POST", body: form });
    const job = await waitForStatus(url, ((await res.json()) as JobView).id, ["REJECTED", "DONE"]);
    expect(job.problems).toEqual([expect.objectContaining({ file: "bad.yaml", document: 1, path: "metadata" })]);
  });
});

describe("bad input gets a clear 4xx and leaves nothing behind", () => {
  const jobCount = async () => (await readdir(path.join(stack.dataDir, "jobs")).catch(() => [])).length;

  it.each([
    { what: "a wrong content type", headers: { "content-type": "application/json" }, body: "{}", status: 415, message: /unsupported content type "application\/json": send application\/yaml/ },
    { what: "no content type", headers: {}, body: "a: 1", status: 415, message: /unsupported content type/ },
    { what: "an empty body", headers: { "content-type": "application/yaml" }, body: "  \n", status: 400, message: /body is empty/ },
    { what: "unparseable YAML", headers: { "content-type": "text/yaml" }, body: "a: [1, 2\n", status: 400, message: /could not be parsed/ },
    { what: "a body over the limit", headers: { "content-type": "application/yaml" }, body: `a: "${"x".repeat(70_000)}"`, status: 413, message: /too large: at most 65536 bytes/ },
    { what: "invalid UTF-8", headers: { "content-type": "application/yaml" }, body: Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe]), status: 400, message: /not valid UTF-8/ },
  ])("When the request has $what, then the answer is $status", async ({ headers, body, status, message }) => {
    const before = await jobCount();
    const res = await fetch(`${url}/yaml`, { method: "POST", headers: headers as Record<string, string>, body: body as string });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(await jobCount()).toBe(before);
  });

  it("When YAML cannot be parsed, then the 400 lists the document and line", async () => {
    const res = await postYaml(url, "apiVersion: v1\n---\nkind: [\n");
    const body = (await res.json()) as { details: { problems: { document: number; line: number }[] } };
    expect(res.status).toBe(400);
    expect(body.details.problems[0]).toMatchObject({ document: 2 });
  });

  it("When more files are uploaded than allowed, then the answer is 413", async () => {
    const form = new FormData();
    for (let i = 0; i < 4; i++) form.append("f", new Blob([CONFIGMAP]), `f${i}.yaml`);
    const res = await fetch(`${url}/yaml`, { method: "POST", body: form });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/too many files: at most 3/);
  });

  it("When a multipart body is cut short, then the answer is 400", async () => {
    const res = await fetch(`${url}/yaml`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=XYZ" },
      body: '--XYZ\r\nContent-Disposition: form-data; name="f"; filename="a.yaml"\r\n\r\nkind: Pod\n',
    });
    expect(res.status).toBe(400);
  });

  it("When an unknown job is asked for or deleted, then the answer is 404", async () => {
    for (const [method, id] of [["GET", "6d2f4e8a-1b3c-4d5e-8f9a-0b1c2d3e4f5a"], ["DELETE", "6d2f4e8a-1b3c-4d5e-8f9a-0b1c2d3e4f5a"], ["GET", "not-a-uuid"]]) {
      const res = await fetch(`${url}/jobs/${id}`, { method });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe(`no job ${id}`);
    }
  });

  it("When GET /jobs has a bad filter, then the 400 says which parameter", async () => {
    const res = await fetch(`${url}/jobs?status=WHATEVER&limit=0`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/status: .*limit: /);
  });
});

describe("GET /jobs, health, readiness, metrics", () => {
  it("When jobs are listed by status, then only those come back, newest first, in pages that a new job does not shift", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(CONFIGMAP.replace("settings", `s${i}`))).body.id);
    for (const id of ids) await waitForStatus(url, id, ["DONE"]);
    const page = (await (await fetch(`${url}/jobs?status=DONE&limit=2`)).json()) as { items: JobView[]; nextCursor?: string };
    expect(page.items.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect(page.items.every((j) => j.status === "DONE")).toBe(true);
    // A job done between the two requests: an offset cursor would now repeat ids[1].
    await waitForStatus(url, (await submit(CONFIGMAP.replace("settings", "later"))).body.id, ["DONE"]);
    const next = (await (await fetch(`${url}/jobs?status=DONE&limit=2&cursor=${page.nextCursor}`)).json()) as { items: JobView[] };
    expect(next.items[0]!.id).toBe(ids[0]);
    expect(next.items.map((j) => j.id)).not.toContain(ids[1]);
  });

  it("When probes and Prometheus ask, then health, readiness (every dependency) and metrics answer", async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({ broker: "ok", redis: "ok", storage: "ok", target: "ok" });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/jobs_submitted_total \d+/);
    expect(metrics).toMatch(/messages_consumed_total\{service="status-worker",queue="status-worker",type="job.applied",outcome="ack"\} \d+/);
    expect(metrics).toMatch(/job_status_transitions_total\{status="DONE"\} \d+/);
  });
});
