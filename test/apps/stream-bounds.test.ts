import http from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_STREAMS_PER_TENANT } from "../../apps/shared/contract";
import { EventLog } from "../../apps/shared/state/event-log";
import { eventually } from "../support/eventually";
import { REDIS_URL, startTestStack, type TestStack } from "../support/test-stack";

const TOKENS = "alpha:alpha-token-0123456789,beta:beta-token-0123456789";
const as = (tenant: "alpha" | "beta") => ({ authorization: `Bearer ${tenant}-token-0123456789` });
const JOB = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

/** Open a stream and never read it: the response is paused as soon as its headers are in. */
const stalled = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; req: http.ClientRequest }>((resolve, reject) => {
    const req = http.get(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      res.pause();
      resolve({ status: res.statusCode ?? 0, req });
    });
    req.on("error", reject);
  });
const statusOf = async (url: string, headers: Record<string, string>) => {
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers } });
  void res.body?.cancel();
  return res.status;
};

describe("event streams are bounded per client and per tenant (issue 23, items 3-5)", () => {
  let stack: TestStack;
  let redis: Redis;
  let events: EventLog;
  const open: http.ClientRequest[] = [];
  beforeAll(async () => {
    // A global ceiling of 2 streams: two stalled clients fill it.
    stack = await startTestStack({ API_TOKENS: TOKENS, MAX_STREAMS: "2", SSE_HEARTBEAT_SECONDS: "1" });
    redis = new Redis(REDIS_URL);
    events = new EventLog(redis, stack.prefix);
  });
  afterAll(async () => {
    open.forEach((r) => r.destroy());
    redis?.disconnect();
    await stack?.cleanup();
  });

  it("When clients never read GET /events while events flow, then each is cut after a bounded buffer and its place is free again", async () => {
    for (let i = 0; i < 2; i++) {
      const s = await stalled(`${stack.url}/events`, as("alpha"));
      expect(s.status).toBe(200);
      open.push(s.req);
    }
    expect(await statusOf(`${stack.url}/events?follow=false`, as("alpha"))).not.toBe(200);
    // 16 MB of events: far more than the sockets' own buffers hold, so the rest waits in the process.
    const reason = "r".repeat(64 * 1024);
    await eventually(
      async () => {
        for (let i = 0; i < 16; i++) await events.appendRollbackFailed(JOB(Math.floor(Math.random() * 1e12)), "alpha", new Date().toISOString(), reason);
        // Before: never cut, the process held every event for every stalled client (1.2-2.4 GB for 60 clients).
        expect(await statusOf(`${stack.url}/events?follow=false`, as("alpha"))).toBe(200);
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
  }, 60_000);

  it("When the newest event is huge, then resuming 'from now' costs about what it costs with a small one", async () => {
    await events.appendRollbackFailed(JOB(1), "beta", new Date().toISOString(), "small");
    const time = async (tenant: "alpha" | "beta") => {
      const t = performance.now();
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${stack.url}/events?follow=false&lastEventId=$`, { headers: as(tenant) });
        expect(res.status).toBe(200);
        await res.text();
      }
      return performance.now() - t;
    };
    await events.appendRollbackFailed(JOB(2), "alpha", new Date().toISOString(), "x".repeat(4 * 1024 * 1024));
    await time("beta");
    const small = Math.min(await time("beta"), await time("beta"));
    const big = Math.min(await time("alpha"), await time("alpha"));
    // Before: each request fetched and parsed the 4 MB event over the shared connection.
    expect(big).toBeLessThan(small * 3 + 50);
  }, 60_000);
});

describe("per-tenant stream limits (issue 23, item 5)", () => {
  let stack: TestStack;
  const open: http.ClientRequest[] = [];
  beforeAll(async () => {
    stack = await startTestStack({ API_TOKENS: TOKENS, MAX_STREAMS: String(MAX_STREAMS_PER_TENANT + 5) });
  });
  afterAll(async () => {
    open.forEach((r) => r.destroy());
    await stack?.cleanup();
  });

  it("When one tenant opens as many streams as it can, then it gets 429 past its share and another tenant's stream still opens", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_TENANT + 5; i++) {
      const s = await stalled(`${stack.url}/events`, as("beta"));
      statuses.push(s.status);
      open.push(s.req);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(MAX_STREAMS_PER_TENANT);
    expect(statuses.slice(MAX_STREAMS_PER_TENANT).every((s) => s === 429)).toBe(true);
    // Before: the limit was global, beta took all of it and alpha got 503.
    const alpha = await stalled(`${stack.url}/events`, as("alpha"));
    open.push(alpha.req);
    expect(alpha.status).toBe(200);
  });
});
