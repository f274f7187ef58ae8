import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntrypointEnv, StatusWorkerEnv, type JobView } from "../../apps/shared/contract";
import { parseEnv } from "../../apps/shared/config/parse-env";
import { newWebhookSecretKey } from "../../apps/shared/webhooks/secret-box";
import { postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

const ALICE = "alice-token-0123456789";
const BOB = "bob-token-0123456789ab";
const CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
let stack: TestStack;
const as = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

beforeAll(async () => {
  stack = await startTestStack({ API_TOKENS: `alice:${ALICE},bob:${BOB}`, RATE_LIMIT_PER_SECOND: "1000" });
});
afterAll(async () => {
  await stack?.cleanup();
});

describe("authentication and tenants", () => {
  it("When no token or a wrong one is sent, then the answer is 401 with a Bearer challenge, and nothing is created", async () => {
    for (const headers of [as(), as("alice-token-0123456780"), { authorization: ALICE }]) {
      const res = await postYaml(stack.url, CM, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: string }).error).toMatch(/bearer token/);
    }
    expect((await fetch(`${stack.url}/jobs`)).status).toBe(401);
  });

  it("When another tenant asks for, lists or deletes a job, then it does not exist for them", async () => {
    const res = await postYaml(stack.url, CM, as(ALICE));
    expect(res.status).toBe(202);
    const job = (await res.json()) as JobView;
    expect(job.tenant).toBe("alice");
    await waitForStatus(stack.url, job.id, ["DONE"], 10_000, as(ALICE));

    expect((await fetch(`${stack.url}/jobs/${job.id}`, { headers: as(BOB) })).status).toBe(404);
    expect((await fetch(`${stack.url}/jobs/${job.id}`, { method: "DELETE", headers: as(BOB) })).status).toBe(404);
    const bobs = (await (await fetch(`${stack.url}/jobs`, { headers: as(BOB) })).json()) as { items: JobView[] };
    expect(bobs.items.map((j) => j.id)).not.toContain(job.id);
    const alices = (await (await fetch(`${stack.url}/jobs`, { headers: as(ALICE) })).json()) as { items: JobView[] };
    expect(alices.items.map((j) => j.id)).toContain(job.id);
    // Bob's failed DELETE changed nothing.
    expect(((await (await fetch(`${stack.url}/jobs/${job.id}`, { headers: as(ALICE) })).json()) as JobView).status).toBe("DONE");
  });

  it("When two tenants use the same Idempotency-Key, then each gets its own job", async () => {
    const key = `shared-${Date.now()}`;
    const a = (await (await postYaml(stack.url, CM, { ...as(ALICE), "Idempotency-Key": key })).json()) as JobView;
    const b = (await (await postYaml(stack.url, CM, { ...as(BOB), "Idempotency-Key": key })).json()) as JobView;
    expect(a.id).not.toBe(b.id);
  });

  it("When probes and Prometheus call, then health, readiness and metrics need no token", async () => {
    for (const p of ["/healthz", "/readyz", "/metrics"]) expect((await fetch(`${stack.url}${p}`)).status).toBe(200);
  });

  it("When any answer is sent, then it carries security headers", async () => {
    const res = await fetch(`${stack.url}/jobs`, { headers: as(ALICE) });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("When headers are huge, then the server refuses them (431) and keeps serving", async () => {
    const res = await fetch(`${stack.url}/jobs`, { headers: { ...as(ALICE), "x-junk": "a".repeat(64 * 1024) } });
    expect(res.status).toBe(431);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });
});

describe("rate limit", () => {
  it("When a tenant without a burst allowance sends more requests per second than allowed, then the excess gets 429 with Retry-After", async () => {
    const limited = await startTestStack({ API_TOKENS: `alice:${ALICE}`, RATE_LIMIT_PER_SECOND: "5", RATE_LIMIT_BURST: "0" });
    try {
      const statuses = await Promise.all(Array.from({ length: 12 }, () => fetch(`${limited.url}/jobs`, { headers: as(ALICE) }).then((r) => r)));
      const tooMany = statuses.filter((r) => r.status === 429);
      expect(tooMany.length).toBeGreaterThanOrEqual(12 - 5 * 2); // the window may turn once during the burst
      expect(tooMany[0]!.headers.get("retry-after")).toBe("1");
      await new Promise((r) => setTimeout(r, 1100));
      expect((await fetch(`${limited.url}/jobs`, { headers: as(ALICE) })).status).toBe(200);
    } finally {
      await limited.cleanup();
    }
  });
});

describe("configuration guards", () => {
  it("When a service would listen beyond loopback without tokens, then it refuses to start", () => {
    expect(() => parseEnv(EntrypointEnv, { HOST: "0.0.0.0" })).toThrow(/API_TOKENS: required when HOST \(0.0.0.0\) is not loopback/);
    expect(() => parseEnv(EntrypointEnv, { HOST: "0.0.0.0", API_TOKENS: `alice:${ALICE}`, WEBHOOK_SECRET_KEY: newWebhookSecretKey() })).not.toThrow();
  });

  it("When the status worker listens beyond loopback, then it needs no tokens: it serves probes and metrics only, no API route", () => {
    expect(Object.keys(StatusWorkerEnv.shape)).not.toContain("API_TOKENS");
    expect(() => parseEnv(StatusWorkerEnv, { HOST: "0.0.0.0", WEBHOOK_SECRET_KEY: newWebhookSecretKey() })).not.toThrow();
  });
});
