import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Router } from "express";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { authenticate, tenantOf } from "../../apps/shared/http/auth";
import { buildHttpApp, closeServer, listen } from "../../apps/shared/http/http-server";
import { addressKey, createRateLimits, type RateLimitSettings } from "../../apps/shared/http/rate-limits";
import { createLogger } from "../../apps/shared/logging/logger";
import { rateLimitDecisions } from "../../apps/shared/metrics/metrics";
import { startTestStack, uniquePrefix, type TestStack } from "../support/test-stack";

const ALICE = "alice-token-0123456789";
const WRONG = "wrong-token-0123456789";
const as = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
const statuses = async (requests: Promise<Response>[]) => (await Promise.all(requests)).map((r) => r.status);
const count = (list: number[], status: number) => list.filter((s) => s === status).length;
/** Requests sent together, and the most one-second windows they can have spanned (a loaded machine is slow). */
const together = async (n: number, send: () => Promise<Response>) => {
  const began = Date.now();
  const answers = await statuses(Array.from({ length: n }, send));
  return { answers, windows: 1 + Math.ceil((Date.now() - began) / 1000) };
};

/** Poll until `ok` holds for a fresh answer; fails after the deadline. */
const eventually = async (probe: () => Promise<Response>, ok: (r: Response) => boolean, timeoutMs: number): Promise<Response> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await probe();
    if (ok(res)) return res;
    if (Date.now() > deadline) throw new Error(`still ${res.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.cleanup();
  stack = undefined;
});

describe("failed authentication per client address", () => {
  it("When 60 wrong tokens come from one address with a limit of 50, then 50 get 401 and the rest 429 with Retry-After, and a good token from it is refused too", async () => {
    stack = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "100000", AUTH_FAILURES_PER_WINDOW: "50", AUTH_FAILURE_WINDOW_SECONDS: "60" });
    const url = `${stack.url}/jobs`;
    const answers = await statuses(Array.from({ length: 60 }, () => fetch(url, { headers: as(WRONG) })));
    expect(count(answers, 401)).toBe(50);
    expect(count(answers, 429)).toBe(10);

    // Blocked: the token is not even looked at, so a good one gets no different answer.
    const blocked = await fetch(url, { headers: as(ALICE) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(((await blocked.json()) as { error: string }).error).toMatch(/too many failed authentications/);
  });

  it("When the failure window of a blocked address ends, then its good token passes again", async () => {
    stack = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "100000", AUTH_FAILURES_PER_WINDOW: "3", AUTH_FAILURE_WINDOW_SECONDS: "3" });
    const url = `${stack.url}/jobs`;
    const began = Date.now();
    for (let i = 0; i < 3; i++) expect((await fetch(url, { headers: as(WRONG) })).status).toBe(401);
    expect((await fetch(url, { headers: as(ALICE) })).status).toBe(429);
    await eventually(() => fetch(url, { headers: as(ALICE) }), (r) => r.status === 200, 8000);
    // Not before the window (3 s from the first failure) has passed.
    expect(Date.now() - began).toBeGreaterThanOrEqual(2500);
  });

  it("When a tenant authenticates successfully many times, then that spends no failure points and restores none", async () => {
    stack = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "100000", AUTH_FAILURES_PER_WINDOW: "5", AUTH_FAILURE_WINDOW_SECONDS: "60" });
    const url = `${stack.url}/jobs`;
    expect(await statuses(Array.from({ length: 3 }, () => fetch(url, { headers: as(WRONG) })))).toEqual([401, 401, 401]);
    expect(count(await statuses(Array.from({ length: 30 }, () => fetch(url, { headers: as(ALICE) }))), 200)).toBe(30);
    // Still 3 failures counted: two more are 401, the next is refused.
    expect(await statuses([fetch(url, { headers: as(WRONG) })])).toEqual([401]);
    expect(await statuses([fetch(url, { headers: as(WRONG) })])).toEqual([401]);
    expect(await statuses([fetch(url, { headers: as(WRONG) })])).toEqual([429]);
  });

  it("When behind two trusted proxy hops, then the address is the entry the proxy added: what the client wrote further left cannot escape a block, another client is not blocked", async () => {
    stack = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "100000", AUTH_FAILURES_PER_WINDOW: "3", TRUSTED_PROXY_HOPS: "2" });
    const url = `${stack.url}/jobs`;
    const via = (client: string, written = "") => ({ "x-forwarded-for": `${written ? `${written}, ` : ""}${client}, 34.120.0.1` });
    for (let i = 0; i < 3; i++) expect((await fetch(url, { headers: as(WRONG, via("203.0.113.7", `10.0.0.${i}`)) })).status).toBe(401);
    expect((await fetch(url, { headers: as(ALICE, via("203.0.113.7", "192.0.2.99")) })).status).toBe(429);
    expect((await fetch(url, { headers: as(ALICE, via("198.51.100.20")) })).status).toBe(200);
  });

  it("When no proxy is trusted (the default), then X-Forwarded-For is ignored and cannot escape a block", async () => {
    stack = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "100000", AUTH_FAILURES_PER_WINDOW: "3" });
    const url = `${stack.url}/jobs`;
    for (let i = 0; i < 3; i++) expect((await fetch(url, { headers: as(WRONG, { "x-forwarded-for": `10.0.0.${i}` }) })).status).toBe(401);
    expect((await fetch(url, { headers: as(ALICE, { "x-forwarded-for": "198.51.100.20, 34.120.0.1" }) })).status).toBe(429);
  });
});

describe("whom failures count against", () => {
  it("When addresses are IPv4, IPv4-mapped or IPv6, then IPv4 counts alone and IPv6 by its /64, however written", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:3::1")).not.toBe(addressKey("2001:db8:1:2::1"));
  });
});

describe("per-tenant limit", () => {
  /** The tenant limiter's counts now (numbers copied: prom-client hands out its live objects). */
  const tenantDecisions = async () => {
    const values = (await rateLimitDecisions.get()).values.filter((v) => v.labels.limiter === "tenant");
    const counts = Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
    return (outcome: string) => counts[outcome] ?? 0;
  };

  it("When all four services share one app (npm start) and N GETs go to /jobs paths, then exactly N are counted", async () => {
    stack = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "30", RATE_LIMIT_BURST: "0" });
    const unknown = "00000000-0000-4000-8000-000000000000";
    // The last path is no route of the entrypoint's: it goes on through the status worker's router too.
    const paths = ["/jobs", `/jobs/${unknown}`, "/jobs?status=DONE", `/jobs/${unknown}/no-such-thing`, `/jobs/${unknown}/manifests`];
    const before = await tenantDecisions();
    const answers = await statuses(Array.from({ length: 30 }, (_, i) => fetch(`${stack!.url}${paths[i % paths.length]}`, { headers: as(ALICE) })));
    const after = await tenantDecisions();
    expect(after("allowed") - before("allowed")).toBe(30);
    expect(after("refused") - before("refused")).toBe(0);
    // 30 points fit the per-second budget of 30 only if none was counted twice.
    expect(count(answers, 429)).toBe(0);
  });

  it("When a tenant bursts beyond its rate, then the burst allowance passes, steady traffic at the rate keeps passing, and a second burst is refused until the allowance refills", async () => {
    stack = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "5", RATE_LIMIT_BURST: "10", RATE_LIMIT_BURST_SECONDS: "60" });
    const url = `${stack.url}/jobs`;
    const { answers: burst, windows } = await together(25, () => fetch(url, { headers: as(ALICE) }));
    // 5 of the second plus the 10 of the burst (5 more for each further second it took).
    expect(count(burst, 200)).toBeGreaterThanOrEqual(15);
    expect(count(burst, 200)).toBeLessThanOrEqual(10 + 5 * windows);
    expect(count(burst, 429)).toBe(25 - count(burst, 200));

    // Steady: one request every 300 ms (pacing, not a wait for anything) stays within 5 a second.
    await eventually(() => fetch(url, { headers: as(ALICE) }), (r) => r.status === 200, 3000);
    const steady: number[] = [];
    for (let i = 0; i < 8; i++) {
      steady.push((await fetch(url, { headers: as(ALICE) })).status);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(steady).toEqual(Array(8).fill(200));

    // The burst allowance is spent for a minute: a second burst gets only the per-second budget.
    const second = await together(15, () => fetch(url, { headers: as(ALICE) }));
    expect(count(second.answers, 200)).toBeLessThanOrEqual(5 * second.windows);
    expect(count(second.answers, 429)).toBe(15 - count(second.answers, 200));
  });
});

describe("when Redis cannot be reached", () => {
  const servers: Server[] = [];
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const s of servers) await closeServer(s, 100);
    for (const c of clients) c.disconnect();
  });

  /** A port nothing listens on: taken from the OS, then given back. */
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });

  it("When Redis is unreachable, then each process limits in memory: the tenant's rate and burst pass, the excess gets 429, and failed authentication is still limited", async () => {
    const redis = new Redis({ host: "127.0.0.1", port: await closedPort(), enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    redis.on("error", () => undefined);
    clients.push(redis);
    const settings: RateLimitSettings = { NAME_PREFIX: uniquePrefix("rl"), RATE_LIMIT_PER_SECOND: 3, RATE_LIMIT_BURST: 2, RATE_LIMIT_BURST_SECONDS: 60, AUTH_FAILURES_PER_WINDOW: 4, AUTH_FAILURE_WINDOW_SECONDS: 60, REDIS_COMMAND_TIMEOUT_MS: 1000 };
    const auth = authenticate({ API_TOKENS: `alice:${ALICE}`, API_TOKENS_FILE: "", ...settings }, createRateLimits(redis, settings));
    const routes = Router().get("/jobs", auth, (_req, res) => {
      res.json({ tenant: tenantOf(res) });
    });
    const server = await listen(buildHttpApp([{ name: "api", routes, readiness: [], stop: async () => undefined }], createLogger("test", "silent")), 0, "127.0.0.1");
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jobs`;

    const { answers: good, windows } = await together(10, () => fetch(url, { headers: as(ALICE) }));
    expect(redis.status).not.toBe("ready");
    // 3 + 2 of the burst (3 more for each further second the requests took).
    expect(count(good, 200)).toBeGreaterThanOrEqual(5);
    expect(count(good, 200)).toBeLessThanOrEqual(2 + 3 * windows);
    expect(count(good, 429)).toBe(10 - count(good, 200));

    const wrong = await statuses(Array.from({ length: 6 }, () => fetch(url, { headers: as(WRONG) })));
    expect(count(wrong, 401)).toBe(4);
    expect(count(wrong, 429)).toBe(2);
  });
});
