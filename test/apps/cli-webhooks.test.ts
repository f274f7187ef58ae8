/**
 * cpctl webhook create|list|rotate-secret|delete: the built bin under plain node against the app
 * on the local RabbitMQ and Redis (dry-run target, local mode so a 127.0.0.1 receiver is allowed),
 * and a real HTTP receiver that checks each delivery's signature with the secret cpctl printed.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_SIGNATURE_HEADER, type WebhookPayload } from "../../apps/shared/contract";
import { verifyWebhookSignature } from "../../apps/shared/webhooks/signature";
import { buildCpctl, runCpctl } from "../support/cpctl";
import { startTestStack, type TestStack } from "../support/test-stack";

const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";
const REFUSED = "apiVersion: v1\nkind: Node\nmetadata: {name: n}\n";

/** Deliveries as they arrived, each with its body and signature header; resolves waiters by predicate. */
const receiver = async () => {
  const got: { body: string; signature: string }[] = [];
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ body, signature: String(req.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()] ?? "") });
      res.writeHead(204).end();
      for (const w of waiters.filter((x) => x.test())) w.resolve();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    /** Resolves once a delivery for this job has arrived. */
    deliveryFor: (jobId: string) =>
      new Promise<{ body: string; signature: string }>((resolve) => {
        const find = () => got.find((g) => (JSON.parse(g.body) as WebhookPayload).job.id === jobId);
        if (find()) return resolve(find()!);
        waiters.push({ test: () => Boolean(find()), resolve: () => resolve(find()!) });
      }),
    close: () => new Promise((r) => server.close(r)),
  };
};

let bin: string;
let stack: TestStack;
let hook: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  [bin, stack, hook] = await Promise.all([buildCpctl(), startTestStack({ WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_DELAYS_MS: "150,300" }), receiver()]);
}, 60_000);
afterAll(async () => {
  await hook?.close();
  await stack?.cleanup();
});
const run = (args: string[], input?: string) => runCpctl(bin, args, { api: stack.url, ...(input ? { input } : {}) });
const submit = async (yaml: string) => (await run(["submit", "-f", "-", "--wait", "-o", "name", "-q"], yaml)).stdout.trim().split("\n")[0]!;

describe("cpctl webhook", { timeout: 120_000 }, () => {
  it("When a webhook is created with cpctl, then it prints the secret once, and the job's delivery verifies with it; rotate-secret prints a new one that signs the next delivery; delete removes it", async () => {
    const created = await run(["webhook", "create", "--url", hook.url, "--outcome", "Succeeded", "--outcome", "Rejected", "--description", "ci"]);
    expect(created.code, created.stderr).toBe(0);
    const secret = /^secret: (\S+)$/m.exec(created.stdout)?.[1];
    expect(secret).toMatch(/^whsec_/);
    expect(created.stderr).toMatch(/store the secret now/);
    const id = created.stdout.split("\n")[1]!.split(/\s+/)[0]!;
    expect(created.stdout).toMatch(/Succeeded,Rejected/);

    const ok = await submit(CONFIGMAP);
    const first = await hook.deliveryFor(ok);
    expect(verifyWebhookSignature(secret!, first.body, first.signature)).toBe(true);

    const listed = await run(["webhook", "list", "-o", "json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const items = (JSON.parse(listed.stdout) as { items: { id: string; lastDelivery?: { ok: boolean } }[] }).items;
    expect(items.map((w) => w.id)).toEqual([id]);
    expect(listed.stdout).not.toContain(secret!);
    const table = await run(["webhook", "list"]);
    expect(table.stdout).toMatch(/^ID\s+URL\s+OUTCOMES\s+LAST DELIVERY$/m);

    const rotated = await run(["webhook", "rotate-secret", id, "-o", "json"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newSecret = (JSON.parse(rotated.stdout) as { secret: string }).secret;
    expect(newSecret).not.toBe(secret);
    const refused = await submit(REFUSED);
    const second = await hook.deliveryFor(refused);
    expect(verifyWebhookSignature(newSecret, second.body, second.signature)).toBe(true);
    expect(verifyWebhookSignature(secret!, second.body, second.signature)).toBe(false);

    const deleted = await run(["webhook", "delete", id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await run(["webhook", "list", "-o", "name"])).stdout.trim()).toBe("");
  });

  it("When the URL or an outcome is wrong, or the webhook does not exist, then cpctl exits non-zero with what to fix, before or from the API", async () => {
    const badOutcome = await run(["webhook", "create", "--url", hook.url, "--outcome", "Maybe"]);
    expect(badOutcome.code).toBe(4);
    expect(badOutcome.stderr).toMatch(/Succeeded, Failed, Rejected|Allowed choices/);
    const badUrl = await run(["webhook", "create", "--url", "not a url"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/absolute URL/);
    const missing = await run(["webhook", "delete", "nope"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/could not delete webhook nope/);
  });

  it("When completion is generated, then the webhook command completes its subcommands and their flags", async () => {
    const bash = await run(["completion", "bash"]);
    expect(bash.stdout).toMatch(/ {4}webhook\)[\s\S]*?compgen -W '[^']*\bcreate list delete rotate-secret\b[^']*--url[^']*--outcome/);
    const fish = await run(["completion", "fish"]);
    expect(fish.stdout).toContain("-a 'create list delete rotate-secret'");
  });
});
