import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { activityOf } from "../../apps/shared/public-api/admin/activity-routes";
import type { JobView, PlatformActivity } from "../../apps/shared/contract";
import { idleCheck, stackConfig } from "../../scripts/idle/idle-check";
import { decideIdle } from "../../scripts/idle/idle-decision";

const now = new Date("2026-12-07T18:00:00Z");
const job = (id: string, status: string, updatedAt: string, phase?: string): JobView =>
  ({ id, tenant: "t", status, history: [], namespace: `job-${id}`, resources: [], createdAt: updatedAt, updatedAt, ...(phase ? { workload: { phase, pods: { pending: 0, running: 0, succeeded: 0, failed: 0 }, problems: [], observedAt: updatedAt } } : {}) }) as JobView;

describe("the idle decision", () => {
  it("When any tenant has a job running, queued or in the pipeline, then the stack stays, naming them", () => {
    const a = activityOf({ a: [job("1", "DONE", "2026-12-07T01:00:00Z", "Succeeded")], b: [job("2", "DONE", "2026-12-07T01:00:00Z", "Queued")] }, now.toISOString());
    expect(a).toMatchObject({ tenants: 2, queued: 1, running: 0, busy: [{ id: "2", tenant: "b", phase: "Queued" }] });
    const d = decideIdle(a, "6h", now);
    expect(d.destroy).toBe(false);
    expect(d.reason).toMatch(/1 job\(s\) busy \(0 running, 1 queued\): b\/2 Queued/);
    expect(decideIdle(activityOf({ a: [job("3", "APPLYING_IN_CLUSTER", "2026-12-06T00:00:00Z")] }, ""), "6h", now).destroy).toBe(false);
  });

  it("When nothing is busy but a job finished within idleDestroyAfter, then it stays; past it, destroy", () => {
    const recent = activityOf({ a: [job("1", "DONE", "2026-12-07T13:30:00Z", "Succeeded")] }, "");
    expect(decideIdle(recent, "6h", now)).toMatchObject({ destroy: false });
    const old = activityOf({ a: [job("1", "DONE", "2026-12-07T11:00:00Z", "Failed")], b: [job("2", "ROLLED_BACK", "2026-12-07T10:00:00Z")] }, "");
    const d = decideIdle(old, "6h", now);
    expect(d).toMatchObject({ destroy: true });
    expect(d.reason).toMatch(/last job activity 2026-12-07T11:00:00Z \(420 min ago, more than 6h\)/);
  });

  it("When the stack was just deployed and has no jobs, then it stays until idleDestroyAfter has passed since the deployment", () => {
    const empty = activityOf({ a: [] }, "");
    expect(decideIdle(empty, "6h", now)).toMatchObject({ destroy: false, reason: expect.stringMatching(/cannot tell/) });
    expect(decideIdle(empty, "6h", now, "2026-12-07T15:00:00Z")).toMatchObject({ destroy: false });
    expect(decideIdle(empty, "6h", now, "2026-12-07T08:00:00Z")).toMatchObject({ destroy: true });
    // A redeploy after the last job counts too.
    expect(decideIdle(activityOf({ a: [job("1", "DONE", "2026-12-07T01:00:00Z", "Succeeded")] }, ""), "6h", now, "2026-12-07T16:00:00Z").destroy).toBe(false);
  });

  it("When idle destroy is off (prod), then never", () => {
    expect(decideIdle(activityOf({}, ""), undefined, now)).toMatchObject({ destroy: false, reason: expect.stringMatching(/off/) });
  });
});

describe("the idle check against a fake activity API (HTTP)", () => {
  let server: Server;
  let api: string;
  let answer: { status: number; body: unknown };
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const idle: PlatformActivity = { tenants: 2, busy: [], running: 0, queued: 0, lastActivityAt: "2026-12-07T09:00:00Z", observedAt: now.toISOString() };

  it("When the API says the platform is idle past the limit, then destroy, asking with the operator's token", async () => {
    answer = { status: 200, body: idle };
    expect(await idleCheck({ api, token: "op-token", idleDestroyAfter: "6h", now })).toMatchObject({ destroy: true });
    expect(seen.at(-1)).toBe("GET /admin/activity Bearer op-token");
  });

  it("When the API refuses the token, is down or answers nonsense, then nothing is destroyed and the reason says why", async () => {
    answer = { status: 401, body: { error: "the operator's token is required (not a tenant's)" } };
    expect(await idleCheck({ api, token: "tenant-token", idleDestroyAfter: "6h", now })).toMatchObject({ destroy: false, reason: expect.stringMatching(/answered 401/) });
    answer = { status: 200, body: { busy: "no" } };
    expect((await idleCheck({ api, token: "t", idleDestroyAfter: "6h", now })).destroy).toBe(false);
    expect(await idleCheck({ api: "http://127.0.0.1:1", token: "t", idleDestroyAfter: "6h", now })).toMatchObject({ destroy: false, reason: expect.stringMatching(/could not read/) });
  });

  it("When the stack has idle destroy off, then the API is not even asked", async () => {
    const before = seen.length;
    expect((await idleCheck({ api, token: "t", idleDestroyAfter: undefined, now })).destroy).toBe(false);
    expect(seen.length).toBe(before);
  });
});

describe("the idle-destroy workflow", () => {
  const wf = (f: string) => parse(readFileSync(path.join(__dirname, "../../.github/workflows", f), "utf8")) as any;

  it("When the stacks are read, then dev destroys after 6h idle and prod never", async () => {
    expect((await stackConfig("dev")).idleDestroyAfter).toBe("6h");
    expect((await stackConfig("prod")).idleDestroyAfter).toBeUndefined();
  });

  it("When it destroys, then with exactly the destroy workflow's steps and environment gate, only after the check said so, and never in dry-run mode", () => {
    const idle = wf("idle-destroy.yml");
    const destroy = wf("destroy.yml");
    expect(Object.keys(idle.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(idle.on.workflow_dispatch.inputs.dry_run.default).toBe(true);
    const job = idle.jobs.destroy;
    expect(job.needs).toBe("check");
    expect(job.if).toBe("needs.check.outputs.destroy == 'true' && needs.check.outputs.dry_run != 'true'");
    expect(job.environment).toBe(destroy.jobs.destroy.environment.replace("inputs.stack", "needs.check.outputs.stack"));
    const norm = (steps: any[]) => JSON.stringify(steps).replaceAll("inputs.stack", "STACK").replaceAll("needs.check.outputs.stack", "STACK");
    expect(norm(job.steps.slice(0, destroy.jobs.destroy.steps.length))).toBe(norm(destroy.jobs.destroy.steps));
    // The same env, but unattended it never stops at a cluster that is already gone (no one is there to set the input).
    expect(job.env).toEqual({ ...destroy.jobs.destroy.env, PULUMI_K8S_DELETE_UNREACHABLE: "true" });
    expect(idle.concurrency.group).toMatch(/pulumi/);
  });
});
