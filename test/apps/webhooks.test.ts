import http from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOKS_PER_TENANT_MAX, type JobView, type WebhookPayload, type WebhookView, type WebhookWithSecret } from "../../apps/shared/contract";
import { deliverWebhook } from "../../apps/shared/webhooks/deliver";
import { checkDestination } from "../../apps/shared/webhooks/destination";
import { stackKeyPrefix } from "../../apps/shared/state/redis-errors";
import { newWebhookSecret, signWebhook, verifyWebhookSignature } from "../../apps/shared/webhooks/signature";
import { eventually } from "../support/eventually";
import { freePort } from "../support/service-process";
import { REDIS_URL, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

const A = "hooks-a-token-0123456789abcdef";
const B = "hooks-b-token-0123456789abcdef";
const TIMEOUT_MS = 800;
const PER_ENDPOINT = 2;
const CM = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}}\ndata: {a: b}\n`;
const BAD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: c, image: busybox, securityContext: {privileged: true}}\n";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
/** A webhook receiver on this machine (a TEST DOUBLE of a tenant's endpoint). */
const receiver = async (opts: { port?: number; answer?: "ok" | "hang" } = {}) => {
  const got: Received[] = [];
  let open = 0;
  let maxOpen = 0;
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on("close", () => open--);
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      if (opts.answer === "hang") return void hanging.push(res);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    payloads: () => got.map((g) => JSON.parse(g.body) as WebhookPayload),
    maxOpen: () => maxOpen,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    API_TOKENS: `team-a:${A},team-b:${B}`,
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    WEBHOOK_RETRY_DELAYS_MS: "150,300,600,1000,1000,1000,1000,1000",
    WEBHOOK_CONCURRENCY_PER_ENDPOINT: String(PER_ENDPOINT),
  });
});
afterAll(async () => stack?.cleanup());

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const register = async (body: object, token = A) => fetch(`${stack.url}/webhooks`, { method: "POST", headers: { ...as(token), "content-type": "application/json" }, body: JSON.stringify(body) });
const hooks = async (token = A) => ((await (await fetch(`${stack.url}/webhooks`, { headers: as(token) })).json()) as { items: WebhookView[] }).items;
const removeAll = async (token = A) => {
  for (const h of await hooks(token)) await fetch(`${stack.url}/webhooks/${h.id}`, { method: "DELETE", headers: as(token) });
};
const submit = async (yaml: string, token = A) =>
  ((await (await fetch(`${stack.url}/yaml`, { method: "POST", headers: { ...as(token), "content-type": "application/yaml" }, body: yaml })).json()) as JobView).id;

describe("webhooks: registering", { timeout: 60_000 }, () => {
  it("When a webhook is registered, then the answer shows its secret once; listing never does; the secret can be rotated and the webhook deleted", async () => {
    const res = await register({ url: "http://127.0.0.1:9/hook", outcomes: ["Failed"] });
    expect(res.status).toBe(201);
    const created = (await res.json()) as WebhookWithSecret;
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.outcomes).toEqual(["Failed"]);
    const listed = await hooks();
    expect(listed.map((h) => h.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const rotated = (await (await fetch(`${stack.url}/webhooks/${created.id}/secret`, { method: "POST", headers: as(A) })).json()) as WebhookWithSecret;
    expect(rotated.secret).not.toBe(created.secret);
    // Another tenant can neither see, rotate nor delete it.
    expect(await hooks(B)).toEqual([]);
    expect((await fetch(`${stack.url}/webhooks/${created.id}`, { method: "DELETE", headers: as(B) })).status).toBe(404);
    expect((await fetch(`${stack.url}/webhooks/${created.id}`, { method: "DELETE", headers: as(A) })).status).toBe(204);
    expect((await hooks()).map((h) => h.id)).not.toContain(created.id);
  });

  it("When a tenant registers more than its cap, or a bad URL or outcome, then 409 / 400 say what to fix and nothing is stored", async () => {
    await removeAll();
    for (let i = 0; i < WEBHOOKS_PER_TENANT_MAX; i++) expect((await register({ url: `http://127.0.0.1:9/h${i}` })).status).toBe(201);
    const over = await register({ url: "http://127.0.0.1:9/over" });
    expect(over.status).toBe(409);
    expect(((await over.json()) as { error: string }).error).toMatch(new RegExp(`at most ${WEBHOOKS_PER_TENANT_MAX} webhooks`));
    await removeAll();
    const notUrl = await register({ url: "not a url" });
    expect(notUrl.status).toBe(400);
    expect(((await notUrl.json()) as { error: string }).error).toMatch(/absolute URL/);
    expect((await register({ url: "http://127.0.0.1:9/x", outcomes: ["Maybe"] })).status).toBe(400);
    expect((await register({ url: "ftp://127.0.0.1/x" })).status).toBe(400);
    expect(await hooks()).toEqual([]);
  });

  it("When not in local mode, then only https to public addresses is accepted: http, loopback, private and link-local are refused, and a delivery is refused on the address it connects to", async () => {
    const strict = { allowPrivate: false };
    await expect(checkDestination("http://example.com/x", strict)).rejects.toThrow(/must use https/);
    for (const url of ["https://127.0.0.1/x", "https://10.1.2.3/x", "https://169.254.169.254/latest", "https://[::1]/x", "https://192.168.0.1/x", "https://localhost/x"]) {
      await expect(checkDestination(url, strict), url).rejects.toThrow(/not allowed/);
    }
    await expect(checkDestination("https://93.184.215.14/hook", strict)).resolves.toBeInstanceOf(URL);
    // A name that resolves to a private address when the delivery connects (DNS rebinding): refused there.
    const r = await receiver();
    const refused = await deliverWebhook(r.url.replace("127.0.0.1", "localhost"), "s", "d", "{}", { allowPrivate: false, timeoutMs: TIMEOUT_MS, maxResponseBytes: 1024 });
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/not allowed|private|127\.0\.0\.1|::1/i);
    expect(r.got).toEqual([]);
    await r.close();
  });

  it("When the entrypoint runs outside local mode, then POST /webhooks refuses http and private destinations with 400 and stores nothing", async () => {
    const strict = await startTestStack({ API_TOKENS: `team-a:${A}` }, ["entrypoint"]);
    try {
      for (const url of ["http://example.com/hook", "https://127.0.0.1/hook", "https://10.0.0.8/hook"]) {
        const res = await fetch(`${strict.url}/webhooks`, { method: "POST", headers: { ...as(A), "content-type": "application/json" }, body: JSON.stringify({ url }) });
        expect(res.status, url).toBe(400);
      }
      expect(((await (await fetch(`${strict.url}/webhooks`, { headers: as(A) })).json()) as { items: unknown[] }).items).toEqual([]);
    } finally {
      await strict.cleanup();
    }
  });
});

describe("webhooks: delivery through the broker", { timeout: 120_000 }, () => {
  it("When a job finishes, then each webhook that asked for its outcome gets one signed POST with the job and a delivery id; others get nothing", async () => {
    await removeAll();
    const all = await receiver();
    const failedOnly = await receiver();
    const hookAll = (await (await register({ url: all.url })).json()) as WebhookWithSecret;
    await register({ url: failedOnly.url, outcomes: ["Failed", "Rejected"] });
    const ok = await submit(CM("ok"));
    const bad = await submit(BAD);
    await eventually(() => expect(all.got.length).toBe(2), { timeoutMs: 20_000 });
    await eventually(() => expect(failedOnly.got.length).toBe(1), { timeoutMs: 20_000 });
    const byJob = new Map(all.payloads().map((p) => [p.job.id, p]));
    expect(byJob.get(ok)).toMatchObject({ type: "job.finished", outcome: "Succeeded", webhookId: hookAll.id, job: { id: ok, status: "DONE", name: "configmap-ok" } });
    expect(byJob.get(bad)).toMatchObject({ outcome: "Rejected", job: { id: bad, status: "REJECTED" } });
    expect(failedOnly.payloads()[0]).toMatchObject({ outcome: "Rejected", job: { id: bad } });
    for (const g of all.got) {
      expect(verifyWebhookSignature(hookAll.secret, g.body, String(g.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()]))).toBe(true);
      expect(verifyWebhookSignature("whsec_other", g.body, String(g.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()]))).toBe(false);
      expect(g.headers[WEBHOOK_DELIVERY_HEADER.toLowerCase()]).toBe((JSON.parse(g.body) as WebhookPayload).deliveryId);
    }
    await Promise.all([all.close(), failedOnly.close()]);
  });

  it("When webhooks are registered, then Redis holds their secrets only sealed, a delivery verifies with the secret the API returned, and one whose stored secret does not open fails with the reason while the other is delivered", async () => {
    await removeAll();
    const good = await receiver();
    const broken = await receiver();
    const hookGood = (await (await register({ url: good.url })).json()) as WebhookWithSecret;
    const hookBroken = (await (await register({ url: broken.url })).json()) as WebhookWithSecret;
    const redis = new Redis(REDIS_URL);
    const key = (id: string) => `${stackKeyPrefix(stack.prefix)}webhook:${id}`;
    try {
      for (const h of [hookGood, hookBroken]) {
        expect(await redis.hget(key(h.id), "secret")).toMatch(/^v1:/);
        expect(JSON.stringify(await redis.hgetall(key(h.id)))).not.toContain(h.secret.replace(/^whsec_/, "").slice(0, 12));
      }
      // The good webhook's sealed secret copied onto the other one: it must not open there.
      await redis.hset(key(hookBroken.id), "secret", (await redis.hget(key(hookGood.id), "secret"))!);
      const job = await submit(CM("sealed"));
      await eventually(() => expect(good.got.length).toBe(1), { timeoutMs: 20_000 });
      const [got] = good.got;
      expect((JSON.parse(got!.body) as WebhookPayload).job.id).toBe(job);
      expect(verifyWebhookSignature(hookGood.secret, got!.body, String(got!.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()]))).toBe(true);
      const broke = async () => (await hooks()).find((h) => h.id === hookBroken.id)?.lastDelivery;
      await eventually(async () => expect(await broke()).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`cannot read the signing secret of webhook ${hookBroken.id}: it does not decrypt with WEBHOOK_SECRET_KEY`)) }), { timeoutMs: 20_000 });
      // Nothing was signed with it, and the worker is still delivering.
      expect(broken.got).toEqual([]);
      const later = await submit(CM("sealed-2"));
      await eventually(() => expect(good.payloads().map((p) => p.job.id)).toContain(later), { timeoutMs: 20_000 });
      expect(broken.got).toEqual([]);
    } finally {
      redis.disconnect();
      await removeAll();
      await Promise.all([good.close(), broken.close()]);
    }
  });

  it("When a secret was stored in plain text before secrets were encrypted, then its deliveries still verify with it, and it is sealed in Redis afterwards", async () => {
    await removeAll();
    const r = await receiver();
    const hook = (await (await register({ url: r.url })).json()) as WebhookWithSecret;
    const legacy = newWebhookSecret();
    const redis = new Redis(REDIS_URL);
    const key = `${stackKeyPrefix(stack.prefix)}webhook:${hook.id}`;
    try {
      await redis.hset(key, "secret", legacy);
      await submit(CM("legacy"));
      await eventually(() => expect(r.got.length).toBe(1), { timeoutMs: 20_000 });
      expect(verifyWebhookSignature(legacy, r.got[0]!.body, String(r.got[0]!.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()]))).toBe(true);
      const field = await redis.hget(key, "secret");
      expect(field).toMatch(/^v1:/);
      expect(field).not.toContain(legacy.replace(/^whsec_/, "").slice(0, 12));
    } finally {
      redis.disconnect();
      await removeAll();
      await r.close();
    }
  });

  it("When a receiver is down for a while, then each notice is delivered after it returns, once per job", async () => {
    await removeAll();
    const port = await freePort();
    await register({ url: `http://127.0.0.1:${port}/hook` });
    const ids = [await submit(CM("down-1")), await submit(CM("down-2")), await submit(CM("down-3"))];
    for (const id of ids) await waitForStatus(stack.url, id, ["DONE"], 10_000, as(A));
    // Attempts fail while nothing listens there.
    await eventually(async () => expect((await hooks())[0]?.lastDelivery).toMatchObject({ ok: false }), { timeoutMs: 20_000 });
    const back = await receiver({ port });
    await eventually(() => expect(new Set(back.payloads().map((p) => p.job.id))).toEqual(new Set(ids)), { timeoutMs: 30_000 });
    // A later job's notice is a barrier: whatever was in flight for the first three has arrived by then.
    const later = await submit(CM("down-4"));
    await eventually(() => expect(back.payloads().map((p) => p.job.id)).toContain(later), { timeoutMs: 30_000 });
    const counts = new Map<string, number>();
    for (const p of back.payloads()) counts.set(p.job.id, (counts.get(p.job.id) ?? 0) + 1);
    expect([...counts.values()]).toEqual([1, 1, 1, 1]);
    expect((await hooks())[0]?.lastDelivery).toMatchObject({ ok: true, status: 200 });
    await back.close();
  });

  it("When one receiver never answers, then it holds at most its share of the worker, each attempt ends at the timeout, and another receiver gets every notice meanwhile", async () => {
    await removeAll();
    const slow = await receiver({ answer: "hang" });
    const fast = await receiver();
    await register({ url: slow.url });
    await register({ url: fast.url });
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit(CM(`slow-${i}`)));
    await eventually(() => expect(new Set(fast.payloads().map((p) => p.job.id))).toEqual(new Set(ids)), { timeoutMs: 30_000 });
    const fastDone = Date.now() - started;
    // The slow receiver was tried (and is retried), never with more than its share open at once.
    await eventually(() => expect(slow.got.length).toBeGreaterThan(PER_ENDPOINT), { timeoutMs: 30_000 });
    expect(slow.maxOpen()).toBeLessThanOrEqual(PER_ENDPOINT);
    // Had the slow receiver held the queue, six notices behind it would take six timeouts at least.
    expect(fastDone).toBeLessThan(6 * TIMEOUT_MS + 5_000);
    await removeAll();
    await Promise.all([slow.close(), fast.close()]);
  });
});

describe("webhook signatures", () => {
  it("When a body, secret or timestamp is changed, or the signature is old, then it does not verify", () => {
    const now = 1_800_000_000;
    const header = signWebhook("whsec_x", '{"a":1}', now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature("whsec_x", '{"a":1}', header, { nowSeconds: now + 10 })).toBe(true);
    expect(verifyWebhookSignature("whsec_x", '{"a":2}', header, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature("whsec_y", '{"a":1}', header, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature("whsec_x", '{"a":1}', header.replace("t=1800000000", "t=1800000001"), { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature("whsec_x", '{"a":1}', header, { nowSeconds: now + 3600 })).toBe(false);
  });
});
