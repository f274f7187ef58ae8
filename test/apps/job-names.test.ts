import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import type { JobView } from "../../apps/shared/contract";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { CPCTL_FROM_SOURCE, runCpctl } from "../support/cpctl";
import { REDIS_URL, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

const root = path.join(__dirname, "../..");
const A = "team-a-token-0123456789abcdef";
const B = "team-b-token-0123456789abcdef";
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const PI = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: pi, image: 'perl:5.34.0', command: [perl, -e, print 1]}]\n";
const CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ API_TOKENS: `team-a:${A},team-b:${B}` });
});
afterAll(async () => stack?.cleanup());

const submit = (body: string, query = "", token = A) =>
  fetch(`${stack.url}/yaml${query}`, { method: "POST", headers: { "content-type": "application/yaml", ...as(token) }, body });
const get = (p: string, token = A) => fetch(`${stack.url}${p}`, { headers: as(token) });
const listIds = async (query: string, token = A) => ((await (await get(`/jobs?${query}`, token)).json()) as { items: JobView[] }).items.map((j) => j.id);
const cpctl = (args: string[], token = A) => runCpctl(CPCTL_FROM_SOURCE, args, { api: stack.url, env: { CP_TOKEN: token } });

describe("names and labels", { timeout: 120_000 }, () => {
  it("When a job is submitted with a name and labels, then it carries them; without a name, then it is named after its first object", async () => {
    const named = (await (await submit(PI, "?name=train-1&labels=team=nlp,example.com/run=7")).json()) as JobView;
    expect(named).toMatchObject({ name: "train-1", labels: { team: "nlp", "example.com/run": "7" } });
    const stored = (await (await get(`/jobs/${named.id}`)).json()) as JobView;
    expect(stored).toMatchObject({ name: "train-1", labels: { team: "nlp", "example.com/run": "7" } });
    const derived = (await (await submit(PI)).json()) as JobView;
    expect(derived.name).toBe("job-pi");
  });

  it("When the name is not a DNS label or a label breaks Kubernetes' rules, then 400 says what to fix and no job is made", async () => {
    const before = (await listIds("limit=100")).length;
    const cases: [string, RegExp][] = [
      ["?name=Train_1", /DNS label/],
      ["?labels=team", /must be key=value/],
      ["?labels=-team=x", /alphanumeric at both ends/],
      ["?labels=team=" + "x".repeat(64), /at most 63 characters/],
      ["?name=a&name=b", /may be given once/],
    ];
    for (const [query, message] of cases) {
      const res = await submit(CM, query);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    expect((await listIds("limit=100")).length).toBe(before);
  });

  it("When jobs are listed by name prefix and by label selector, then only the matching ones come, newest first; a selector that does not parse is a 400 saying where", async () => {
    const mk = async (name: string, labels: string) => ((await (await submit(CM, `?name=${name}&labels=${encodeURIComponent(labels)}`)).json()) as JobView).id;
    const a = await mk("sweep-a", "sweep=s1,lr=1");
    const b = await mk("sweep-b", "sweep=s1,lr=3");
    const c = await mk("other", "sweep=s2");
    expect(await listIds("name=sweep-")).toEqual([b, a]);
    expect(await listIds(`labelSelector=${encodeURIComponent("sweep=s1")}`)).toEqual([b, a]);
    expect(await listIds(`labelSelector=${encodeURIComponent("sweep in (s1,s2),lr!=3")}`)).toEqual(expect.arrayContaining([a, c]));
    expect(await listIds(`labelSelector=${encodeURIComponent("lr>2")}`)).toEqual([b]);
    expect(await listIds(`labelSelector=${encodeURIComponent("sweep,!lr")}`)).toEqual([c]);
    expect(await listIds(`name=sweep-&labelSelector=${encodeURIComponent("lr=1")}`)).toEqual([a]);
    // Paging through a filter: one per page, nothing repeated or skipped.
    const first = (await (await get(`/jobs?name=sweep-&limit=1`)).json()) as { items: JobView[]; nextCursor?: string };
    expect(first.items.map((j) => j.id)).toEqual([b]);
    const second = (await (await get(`/jobs?name=sweep-&limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`)).json()) as { items: JobView[] };
    expect(second.items.map((j) => j.id)).toEqual([a]);
    // Another tenant's jobs never match.
    expect(await listIds("name=sweep-", B)).toEqual([]);
    const bad = await get(`/jobs?labelSelector=${encodeURIComponent("sweep in (s1")}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/label selector "sweep in \(s1"/);
  });

  it("When cpctl submits with --name and -l and lists with -l, then the API gets them and the table shows the name", async () => {
    const sub = await cpctl(["submit", "-f", path.join(root, "test/fixtures/manifests/pi-job.yaml"), "--name", "cli-run", "-l", "owner=ana", "-l", "stage=eval", "-o", "json"]);
    expect(sub.code, sub.stderr).toBe(0);
    const job = JSON.parse(sub.stdout) as JobView;
    expect(job).toMatchObject({ name: "cli-run", labels: { owner: "ana", stage: "eval" } });
    const listed = await cpctl(["list", "-l", "owner=ana,stage in (eval)"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split("\n")[1]).toMatch(new RegExp(`^${job.id}\\s+cli-run\\s+`));
    const badSelector = await cpctl(["list", "-l", "owner in (a"]);
    expect(badSelector.code).toBe(2);
    expect(badSelector.stderr).toMatch(/label selector "owner in \(a"/);
  });
});

describe("short ids", { timeout: 120_000 }, () => {
  it("When a job is named by the first 8 or more characters of its id, then every route under /jobs/:id finds it; cpctl get too", async () => {
    const id = ((await (await submit(CM)).json()) as JobView).id;
    await waitForStatus(stack.url, id, ["DONE"], 10_000, as(A));
    const short = id.slice(0, 8);
    expect(((await (await get(`/jobs/${short}`)).json()) as JobView).id).toBe(id);
    expect(((await (await get(`/jobs/${id.slice(0, 13)}/manifests`)).json()) as { jobId: string }).jobId).toBe(id);
    const got = await cpctl(["get", short, "-o", "json"]);
    expect(got.code, got.stderr).toBe(0);
    expect((JSON.parse(got.stdout) as JobView).id).toBe(id);
    // Another tenant's prefix is unknown here.
    expect((await get(`/jobs/${short}`, B)).status).toBe(404);
  });

  it("When a prefix is under 8 characters, then 400; when it matches several jobs, then 409 listing the candidates", async () => {
    const short = await get("/jobs/abc1234");
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: string }).error).toMatch(/at least 8 characters/);
    // Two jobs whose ids share 8 characters (by chance one in 4 billion): recorded as the API records jobs.
    const redis = new Redis(REDIS_URL);
    const jobs = new JobRepository(redis, stack.prefix);
    const twinA = `deadbeef-0000-4000-8000-${"0".repeat(12)}`;
    const twinB = `deadbeef-1111-4000-8000-${"1".repeat(12)}`;
    const at = new Date().toISOString();
    await jobs.transition(twinA, "PENDING", at, {}, "team-a");
    await jobs.transition(twinB, "PENDING", at, {}, "team-a");
    redis.disconnect();
    const ambiguous = await get("/jobs/deadbeef");
    expect(ambiguous.status).toBe(409);
    const body = (await ambiguous.json()) as { error: string; details: { candidates: string[] } };
    expect(body.details.candidates).toEqual([twinA, twinB]);
    expect(body.error).toMatch(/give more of the id/);
    expect(((await (await get("/jobs/deadbeef-1")).json()) as JobView).id).toBe(twinB);
    const cli = await cpctl(["get", "deadbeef"]);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain(twinA);
  });
});

describe("run it again", { timeout: 120_000 }, () => {
  it("When a job is resubmitted, then a new job runs the same files with its name and labels and says where it came from; new ones replace them when given", async () => {
    const old = ((await (await submit(PI, "?name=base&labels=team=nlp")).json()) as JobView).id;
    await waitForStatus(stack.url, old, ["DONE"], 10_000, as(A));
    const again = await fetch(`${stack.url}/jobs/${old.slice(0, 8)}/resubmit`, { method: "POST", headers: as(A) });
    expect(again.status).toBe(202);
    const job = (await again.json()) as JobView;
    expect(job).toMatchObject({ name: "base", labels: { team: "nlp" }, resubmittedFrom: old });
    expect(job.id).not.toBe(old);
    const done = await waitForStatus(stack.url, job.id, ["DONE"], 10_000, as(A));
    expect(done.resubmittedFrom).toBe(old);
    const [was, now] = await Promise.all([get(`/jobs/${old}/manifests`), get(`/jobs/${job.id}/manifests`)]).then((rs) => Promise.all(rs.map((r) => r.json() as Promise<{ submitted: unknown }>)));
    expect(now!.submitted).toEqual(was!.submitted);

    const renamed = (await (await fetch(`${stack.url}/jobs/${old}/resubmit?name=base-2&labels=team=cv`, { method: "POST", headers: as(A) })).json()) as JobView;
    expect(renamed).toMatchObject({ name: "base-2", labels: { team: "cv" }, resubmittedFrom: old });
    const cli = await cpctl(["resubmit", old, "--name", "base-3", "-o", "json"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ name: "base-3", resubmittedFrom: old });
  });

  it("When another tenant's job is resubmitted, then 404 and nothing is made; a bad name is 400", async () => {
    const old = ((await (await submit(CM)).json()) as JobView).id;
    const before = (await listIds("limit=100", B)).length;
    const theirs = await fetch(`${stack.url}/jobs/${old}/resubmit`, { method: "POST", headers: as(B) });
    expect(theirs.status).toBe(404);
    expect((await listIds("limit=100", B)).length).toBe(before);
    const badName = await fetch(`${stack.url}/jobs/${old}/resubmit?name=NO`, { method: "POST", headers: as(A) });
    expect(badName.status).toBe(400);
  });
});
