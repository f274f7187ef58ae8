import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { StreamEvent, type JobView } from "../../apps/shared/contract";
import { createLogger } from "../../apps/shared/logging/logger";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { EventLog } from "../../apps/shared/state/event-log";
import { statusWorkerHandler } from "../../apps/status-worker/handler";
import { spawnService, type ServiceProcess } from "../support/service-process";
import { eventually } from "../support/eventually";
import { followSse, readSse, statusesOf } from "../support/sse";
import { AMQP_URL, REDIS_URL, postYaml, startTestStack, uniquePrefix, waitForStatus, type TestStack } from "../support/test-stack";

const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";
const TOKENS = "alpha:alpha-token-0123456789,beta:beta-token-0123456789";
const as = (tenant: "alpha" | "beta") => ({ authorization: `Bearer ${tenant}-token-0123456789` });

describe("event streams (SSE) on one status worker", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ API_TOKENS: TOKENS, SSE_HEARTBEAT_SECONDS: "1" });
  });
  afterAll(async () => stack?.cleanup());

  const submit = async (tenant: "alpha" | "beta" = "alpha", body = CONFIGMAP) => {
    const res = await postYaml(stack.url, body, as(tenant));
    expect(res.status).toBe(202);
    return ((await res.json()) as JobView).id;
  };

  it("When a client follows a job from its submission, then it gets each status once, in order, and the stream ends after DONE", async () => {
    const id = await submit();
    const { messages, ended } = await readSse(`${stack.url}/jobs/${id}/events`, { headers: as("alpha") });
    expect(ended).toBe(true);
    expect(statusesOf(messages)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    for (const m of messages.filter((x) => x.event === "status")) {
      expect(m.id).toMatch(/^\d+-\d+$/);
      expect(StreamEvent.parse(JSON.parse(m.data))).toMatchObject({ type: "status", jobId: id, tenant: "alpha" });
    }
    expect(messages.at(-1)).toMatchObject({ event: "end" });
    expect(JSON.parse(messages.at(-1)!.data)).toEqual({ jobId: id, status: "DONE" });
  });

  it("When the connection drops and the client resumes with Last-Event-ID, then it gets exactly the events after it", async () => {
    const id = await submit();
    await waitForStatus(stack.url, id, ["DONE"], 10_000, as("alpha"));
    const first = await readSse(`${stack.url}/jobs/${id}/events`, { headers: as("alpha"), stopAfter: (m) => m.event === "status" });
    expect(first.ended).toBe(false);
    const lastId = first.messages.at(-1)!.id!;
    const rest = await readSse(`${stack.url}/jobs/${id}/events`, { headers: { ...as("alpha"), "Last-Event-ID": lastId } });
    expect(statusesOf(first.messages)).toEqual(["PENDING"]);
    expect(statusesOf(rest.messages)).toEqual(["APPLYING_IN_CLUSTER", "DONE"]);
    expect(rest.messages.every((m) => !m.id || m.id > lastId)).toBe(true);
  });

  it("When another tenant asks for a job's events, then it is 404 as for a missing job; a malformed Last-Event-ID is 400", async () => {
    const id = await submit("alpha");
    expect((await readSse(`${stack.url}/jobs/${id}/events`, { headers: as("beta") })).status).toBe(404);
    expect((await readSse(`${stack.url}/jobs/${id}/events`)).status).toBe(401);
    const bad = await readSse(`${stack.url}/jobs/${id}/events`, { headers: { ...as("alpha"), "Last-Event-ID": "yesterday" } });
    expect(bad.status).toBe(400);
    expect(bad.raw).toMatch(/Last-Event-ID must be an id this API sent/);
    expect((await readSse(`${stack.url}/jobs/${id}/events?follow=maybe`, { headers: as("alpha") })).status).toBe(400);
  });

  it("When a tenant follows GET /events, then it sees its own jobs' events and none of another tenant's", async () => {
    const live = await followSse(`${stack.url}/events?lastEventId=$`, {
      headers: as("beta"),
      stopAfter: (_m, all) => statusesOf(all).filter((s) => s === "DONE").length >= 2,
    });
    const mine = [await submit("beta"), await submit("beta")];
    const theirs = await submit("alpha");
    const { messages } = await live.result;
    const jobs = new Set(messages.filter((m) => m.event === "status").map((m) => (JSON.parse(m.data) as { jobId: string }).jobId));
    expect([...jobs].sort()).toEqual([...mine].sort());
    expect(jobs.has(theirs)).toBe(false);
    // The same event has the same id on the job's own stream.
    const own = await readSse(`${stack.url}/jobs/${mine[0]}/events?follow=false`, { headers: as("beta") });
    const ids = new Set(messages.map((m) => m.id));
    expect(own.messages.filter((m) => m.id).every((m) => ids.has(m.id))).toBe(true);
  });

});

describe("event streams of a job that can still change (no YAML Manager: it stays PENDING)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ SSE_HEARTBEAT_SECONDS: "1", MAX_STREAMS: "2" }, ["entrypoint", "status-worker"]);
  });
  afterAll(async () => stack?.cleanup());

  it("When nothing happens for a while, then heartbeats keep the stream open, and a change still arrives live", async () => {
    const id = ((await (await postYaml(stack.url, CONFIGMAP)).json()) as JobView).id;
    const res = await fetch(`${stack.url}/jobs/${id}/events`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const readUntil = async (what: string) => {
      const deadline = Date.now() + 8000;
      while (!text.includes(what) && Date.now() < deadline) text += (await reader.read()).value ?? "";
    };
    await readUntil(": heartbeat\n\n");
    expect(text).toContain('"status":"PENDING"');
    expect(text).toContain(": heartbeat\n\n");
    expect((await fetch(`${stack.url}/jobs/${id}`, { method: "DELETE" })).status).toBe(202);
    await readUntil('"status":"ROLLING_BACK"');
    expect(text).toContain('"status":"ROLLING_BACK"');
    expect(text).not.toContain("event: end");
    await reader.cancel();
  });

  it("When more streams are opened than MAX_STREAMS, then the extra one gets 503 before any event, and a slot frees when a client leaves", async () => {
    const id = ((await (await postYaml(stack.url, CONFIGMAP)).json()) as JobView).id;
    const open = await Promise.all([0, 1].map(() => fetch(`${stack.url}/jobs/${id}/events`)));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const refused = await fetch(`${stack.url}/jobs/${id}/events`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(/too many open streams/);
    await open[0]!.body!.cancel();
    await eventually(async () => {
      const res = await fetch(`${stack.url}/jobs/${id}/events?follow=false`);
      await res.body?.cancel();
      expect(res.status).toBe(200);
    });
    await open[1]!.body!.cancel();
  });

  it("When follow=false, then the stored history comes and the stream ends although the job can still change", async () => {
    const id = ((await (await postYaml(stack.url, CONFIGMAP)).json()) as JobView).id;
    await waitForStatus(stack.url, id, ["PENDING"]);
    const { messages, ended } = await readSse(`${stack.url}/jobs/${id}/events?follow=false`);
    expect(ended).toBe(true);
    expect(statusesOf(messages)).toEqual(["PENDING"]);
    expect(messages.at(-1)).toMatchObject({ event: "end" });
  });
});

describe("appending to the event log", () => {
  it("When the same status event is handled twice (redelivery), then the stream holds it once; a late lower status is not streamed", async () => {
    const prefix = uniquePrefix("evlog");
    const redis = new Redis(REDIS_URL);
    const jobs = new JobRepository(redis, prefix);
    const events = new EventLog(redis, prefix);
    const handle = statusWorkerHandler(jobs, events);
    const ctx = { attempt: 1, log: createLogger("test", "silent") };
    const id = "5f0c1a7e-9d1b-4c55-8f5e-1a2b3c4d5e6f";
    const base = { jobId: id, tenant: "t1", eventId: "e", at: new Date().toISOString() };
    await jobs.transition(id, "PENDING", base.at, {}, "t1");
    await handle({ ...base, type: "job.submitted", namespace: `job-${id}`, submissionKey: "k", files: [] }, ctx);
    await handle({ ...base, type: "job.submitted", namespace: `job-${id}`, submissionKey: "k", files: [] }, ctx);
    await handle({ ...base, type: "job.applied", target: "dry-run", resources: [] }, ctx);
    await handle({ ...base, type: "job.validated", manifestsKey: "m", resources: [], warnings: [] }, ctx);
    const entries = await events.readAfter(events.jobStream(id), undefined, 100);
    expect(entries.map((e) => (e.event.type === "status" ? e.event.status : e.event.type))).toEqual(["PENDING", "DONE"]);
    const keys = await redis.keys(`{${prefix}}:*`);
    await redis.del(...keys);
    redis.disconnect();
  });
});

describe("a job's events handled out of order", () => {
  it("When job.validated is recorded before job.submitted is handled, then the stream still shows PENDING first, each status once and in order", async () => {
    const prefix = uniquePrefix("evorder");
    const redis = new Redis(REDIS_URL);
    const jobs = new JobRepository(redis, prefix);
    const events = new EventLog(redis, prefix);
    const handle = statusWorkerHandler(jobs, events);
    const ctx = { attempt: 1, log: createLogger("test", "silent") };
    const id = "7b0c1a7e-9d1b-4c55-8f5e-1a2b3c4d5e6f";
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    // The entrypoint writes PENDING; the status worker then hears the YAML Manager's event first.
    await jobs.transition(id, "PENDING", t(0), {}, "t1");
    await handle({ jobId: id, tenant: "t1", eventId: "2", at: t(2), type: "job.validated", manifestsKey: "m", resources: [], warnings: [] }, ctx);
    await handle({ jobId: id, tenant: "t1", eventId: "1", at: t(0), type: "job.submitted", namespace: `job-${id}`, submissionKey: "k", files: [] }, ctx);
    await handle({ jobId: id, tenant: "t1", eventId: "3", at: t(3), type: "job.applied", target: "dry-run", resources: [] }, ctx);
    const entries = await events.readAfter(events.jobStream(id), undefined, 100);
    const statuses = entries.map((e) => (e.event.type === "status" ? e.event : undefined)).filter((e) => e !== undefined);
    expect(statuses.map((e) => e.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    // The PENDING event is the job as it stood then, not as it stands now.
    expect(statuses[0]!.job).toMatchObject({ status: "PENDING", updatedAt: t(0) });
    expect(statuses[0]!.job.history.map((h) => h.status)).toEqual(["PENDING"]);
    await redis.del(...(await redis.keys(`{${prefix}}:*`)));
    redis.disconnect();
  });
});

describe("a rollback that fails", () => {
  it("When a service gives up on a job after its DELETE, then the stream says rollback_failed once and the job stays ROLLING_BACK", async () => {
    const prefix = uniquePrefix("evfail");
    const redis = new Redis(REDIS_URL);
    const jobs = new JobRepository(redis, prefix);
    const events = new EventLog(redis, prefix);
    const handle = statusWorkerHandler(jobs, events);
    const ctx = { attempt: 1, log: createLogger("test", "silent") };
    const id = "6a0c1a7e-9d1b-4c55-8f5e-1a2b3c4d5e6f";
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    await jobs.transition(id, "PENDING", t(0), {}, "t1");
    await handle({ jobId: id, tenant: "t1", eventId: "1", at: t(1), type: "job.applied", target: "kubernetes", resources: [] }, ctx);
    await handle({ jobId: id, tenant: "t1", eventId: "2", at: t(2), type: "job.deleted" }, ctx);
    for (let i = 0; i < 2; i++) await handle({ jobId: id, tenant: "t1", eventId: "3", at: t(3), type: "job.failed", reason: "namespace still terminating" }, ctx);
    const entries = await events.readAfter(events.jobStream(id), undefined, 100);
    // PENDING (in the history since the submission) is streamed before DONE although job.submitted never came.
    expect(entries.map((e) => (e.event.type === "status" ? e.event.status : e.event.type))).toEqual(["PENDING", "DONE", "ROLLING_BACK", "rollback_failed"]);
    expect(entries.at(-1)!.event).toMatchObject({ reason: "namespace still terminating" });
    expect((await jobs.get(id))!.status).toBe("ROLLING_BACK");
    await redis.del(...(await redis.keys(`{${prefix}}:*`)));
    redis.disconnect();
  });
});

describe("event streams with two status-worker processes and two API replicas (as behind a load balancer)", () => {
  const prefix = uniquePrefix("sse2");
  let stack: TestStack;
  const procs: ServiceProcess[] = [];
  beforeAll(async () => {
    // API replica A in this process; replica B and both status workers in processes of their own.
    stack = await startTestStack({ NAME_PREFIX: prefix }, ["entrypoint", "yaml-manager", "cluster-applier"]);
    const env = { AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: stack.dataDir };
    procs.push(...(await Promise.all([spawnService("status-worker", env), spawnService("status-worker", env), spawnService("entrypoint", env)])));
    await Promise.all(procs.map((w) => w.ready()));
  }, 90_000);
  afterAll(async () => {
    for (const w of procs) w.child.kill("SIGKILL");
    await stack?.cleanup();
  });

  it("When events of jobs are recorded by either status worker, then a client of one API replica sees them all, and resumes on the other without loss or repeat", async () => {
    const [a, b] = [stack.url, `http://127.0.0.1:${procs[2]!.port}`];
    const all = await followSse(`${a}/events?lastEventId=$`, { stopAfter: (_m, msgs) => statusesOf(msgs).filter((s) => s === "DONE").length >= 6, timeoutMs: 30_000 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(((await (await postYaml(stack.url, CONFIGMAP)).json()) as JobView).id);
    const { messages } = await all.result;
    const rank = { PENDING: 0, APPLYING_IN_CLUSTER: 1, DONE: 2 } as Record<string, number>;
    for (const id of ids) {
      const mine = messages.filter((m) => m.event === "status" && (JSON.parse(m.data) as { jobId: string }).jobId === id).map((m) => JSON.parse(m.data) as { status: string; job: JobView });
      const statuses = mine.map((e) => e.status);
      // Each status at most once and only forwards. Two replicas may record a job's DONE before
      // its APPLYING_IN_CLUSTER (competing consumers): then the stream skips the older status,
      // and the history in the DONE event still lists it.
      expect(statuses.at(-1)).toBe("DONE");
      expect(statuses).toEqual([...new Set(statuses)].sort((x, y) => rank[x]! - rank[y]!));
      expect(mine.at(-1)!.job.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    }
    // Resume on the other replica from the middle of A's stream.
    const cut = messages[Math.floor(messages.length / 2)]!;
    const rest = await readSse(`${b}/events?follow=false`, { headers: { "Last-Event-ID": cut.id! } });
    const expected = messages.slice(messages.indexOf(cut) + 1).map((m) => m.id);
    expect(rest.messages.filter((m) => m.id).map((m) => m.id).slice(0, expected.length)).toEqual(expected);
  });
});

describe("a job's stream opened right after its DELETE, before the status worker streamed it", () => {
  // Only the entrypoint runs; this test plays the status worker, so it decides when the
  // stream hears of the rollback. The console opens a new watch as soon as DELETE answers.
  let stack: TestStack;
  let redis: Redis;
  beforeAll(async () => {
    stack = await startTestStack({ SSE_HEARTBEAT_SECONDS: "1" }, ["entrypoint"]);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.cleanup();
  });

  it("When the job's record says ROLLING_BACK but its stream still ends at DONE, then the stream stays open and carries ROLLING_BACK and ROLLED_BACK, then ends", async () => {
    const jobs = new JobRepository(redis, stack.prefix);
    const events = new EventLog(redis, stack.prefix);
    const handle = statusWorkerHandler(jobs, events);
    const ctx = { attempt: 1, log: createLogger("test", "silent") };
    const id = ((await (await postYaml(stack.url, CONFIGMAP)).json()) as JobView).id;
    const base = { jobId: id, tenant: "default", eventId: "e" };
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    await handle({ ...base, at: at(0), type: "job.submitted", namespace: `job-${id}`, submissionKey: "k", files: [] }, ctx);
    await handle({ ...base, at: at(1), type: "job.validated", manifestsKey: "m", resources: [], warnings: [] }, ctx);
    await handle({ ...base, at: at(2), type: "job.applied", target: "dry-run", resources: [] }, ctx);
    await waitForStatus(stack.url, id, ["DONE"]);

    // DELETE moves the record at once; the stream hears of it only from the status worker.
    expect((await fetch(`${stack.url}/jobs/${id}`, { method: "DELETE" })).status).toBe(202);
    const res = await fetch(`${stack.url}/jobs/${id}/events`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let done = false;
    const readUntil = async (what: string) => {
      const deadline = Date.now() + 8000;
      while (!done && !text.includes(what) && Date.now() < deadline) {
        const r = await reader.read();
        done = r.done;
        text += r.value ?? "";
      }
    };
    // Past the replayed history (DONE) and a heartbeat: had the stream ended at DONE, `end` would be here.
    await readUntil(": heartbeat\n\n");
    expect(text).toContain('"status":"DONE"');
    expect(text).not.toContain("event: end");

    await handle({ ...base, at: at(3), type: "job.deleted" }, ctx);
    await handle({ ...base, at: at(4), type: "job.rolled_back", target: "dry-run" }, ctx);
    await readUntil("event: end");
    const statuses = [...text.matchAll(/^event: status\ndata: .*?"status":"([A-Z_]+)"/gm)].map((m) => m[1]);
    expect(statuses.slice(-2)).toEqual(["ROLLING_BACK", "ROLLED_BACK"]);
    expect(text).toMatch(/event: end\ndata: \{"jobId":"[^"]+","status":"ROLLED_BACK"\}/);
    await reader.cancel().catch(() => undefined);
  });
});
