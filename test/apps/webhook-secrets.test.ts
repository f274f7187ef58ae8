import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntrypointEnv, SERVICE_ENV, StatusWorkerEnv } from "../../apps/shared/contract";
import { ConfigError, parseEnv } from "../../apps/shared/config/parse-env";
import { stackKeyPrefix } from "../../apps/shared/state/redis-errors";
import { WebhookSecretBox, WebhookSecretError, newWebhookSecretKey } from "../../apps/shared/webhooks/secret-box";
import { newWebhookSecret } from "../../apps/shared/webhooks/signature";
import { WebhookRepository } from "../../apps/shared/webhooks/webhook-repository";
import { REDIS_URL, removeRedisKeys, uniquePrefix } from "../support/test-stack";

const prefix = uniquePrefix("whsec");
const KEY = newWebhookSecretKey();
let redis: Redis;
let repo: WebhookRepository;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
  repo = new WebhookRepository(redis, prefix, new WebhookSecretBox(KEY));
});
afterAll(async () => {
  await removeRedisKeys(prefix);
  redis?.disconnect();
});

const hashKey = (id: string) => `${stackKeyPrefix(prefix)}webhook:${id}`;
const stored = (id: string) => redis.hget(hashKey(id), "secret") as Promise<string>;
/** Every run of `n` characters of the secret's random part. */
const pieces = (secret: string, n = 6) => {
  const random = secret.replace(/^whsec_/, "");
  return Array.from({ length: random.length - n + 1 }, (_, i) => random.slice(i, i + n));
};
const create = (url = "https://hooks.example.com/x") => repo.create("team-a", { url });

describe("webhook secrets at rest (real Redis)", () => {
  it("When a webhook is created or rotated, then Redis holds no piece of its secret, only a v1: value that the key opens to the secret the API returned", async () => {
    const hook = await create();
    const field = await stored(hook.id);
    expect(field).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    const everything = JSON.stringify(await redis.hgetall(hashKey(hook.id)));
    for (const piece of pieces(hook.secret)) expect(everything).not.toContain(piece);
    expect(new WebhookSecretBox(KEY).open(hook.id, field)).toBe(hook.secret);
    expect((await repo.target(hook.id))?.secret).toBe(hook.secret);

    const rotated = await repo.rotate("team-a", hook.id);
    const after = await stored(hook.id);
    expect(after).toMatch(/^v1:/);
    for (const piece of pieces(rotated.secret)) expect(after).not.toContain(piece);
    expect((await repo.target(hook.id))?.secret).toBe(rotated.secret);
  });

  it("When the same secret is sealed twice, then the values differ (a fresh IV each time) and both open", () => {
    const box = new WebhookSecretBox(KEY);
    const secret = newWebhookSecret();
    const [a, b] = [box.seal("w1", secret), box.seal("w1", secret)];
    expect(a).not.toBe(b);
    expect([box.open("w1", a), box.open("w1", b)]).toEqual([secret, secret]);
  });

  it("When the stored secret is read with another key, then reading it fails with a clear error instead of a secret", async () => {
    const hook = await create();
    const other = new WebhookRepository(redis, prefix, new WebhookSecretBox(newWebhookSecretKey()));
    const err = await other.target(hook.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookSecretError);
    expect((err as Error).message).toMatch(new RegExp(`cannot read the signing secret of webhook ${hook.id}: it does not decrypt with WEBHOOK_SECRET_KEY`));
    expect((err as Error).message).not.toContain(hook.secret);
    // Listing and enqueueing need no secret: they still work.
    expect((await other.list("team-a")).map((h) => h.id)).toContain(hook.id);
    expect((await other.targets("team-a", "Succeeded")).map((h) => h.id)).toContain(hook.id);
  });

  it("When a webhook's sealed secret is copied onto another webhook, then it does not open there", async () => {
    const [a, b] = [await create("https://hooks.example.com/a"), await create("https://hooks.example.com/b")];
    await redis.hset(hashKey(b.id), "secret", await stored(a.id));
    await expect(repo.target(b.id)).rejects.toThrow(new RegExp(`signing secret of webhook ${b.id}: it does not decrypt`));
    expect((await repo.target(a.id))?.secret).toBe(a.secret);
  });

  it("When a stored value is altered, truncated or of an unknown format, then it is refused, saying which", () => {
    const box = new WebhookSecretBox(KEY);
    const sealed = box.seal("w", newWebhookSecret());
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === "A" ? "B" : "A"}${sealed.at(-1)}`;
    expect(() => box.open("w", flipped)).toThrow(/does not decrypt/);
    expect(() => box.open("w", "v1:AAAA")).toThrow(/truncated/);
    expect(() => box.open("w", "v2:AAAA")).toThrow(/unknown format "v2"/);
    expect(() => box.open("w", undefined)).toThrow(/none is stored/);
  });

  it("When a secret was stored in plain text before encryption, then it still signs, and the first read seals it in place", async () => {
    const hook = await create();
    const legacy = newWebhookSecret();
    await redis.hset(hashKey(hook.id), "secret", legacy);
    expect((await repo.target(hook.id))?.secret).toBe(legacy);
    const field = await stored(hook.id);
    expect(field).toMatch(/^v1:/);
    for (const piece of pieces(legacy)) expect(field).not.toContain(piece);
    expect((await repo.target(hook.id))?.secret).toBe(legacy);
  });
});

describe("rotating WEBHOOK_SECRET_KEY with WEBHOOK_SECRET_KEY_PREVIOUS (real Redis)", () => {
  const [A, B] = [newWebhookSecretKey(), newWebhookSecretKey()];
  const repoWith = (current: string, previous?: string) => new WebhookRepository(redis, prefix, new WebhookSecretBox(current, previous));
  const underA = () => repoWith(A).create("team-rot", { url: "https://hooks.example.com/rot" });

  it("When current=B and previous=A, then a secret stored under A still signs, the read reseals it under B, and B alone then opens it", async () => {
    const hook = await underA();
    const before = await stored(hook.id);
    expect((await repoWith(B, A).target(hook.id))?.secret).toBe(hook.secret);
    const after = await stored(hook.id);
    expect(after).toMatch(/^v1:/);
    expect(after).not.toBe(before);
    expect(new WebhookSecretBox(B).open(hook.id, after)).toBe(hook.secret);
    expect(() => new WebhookSecretBox(A).open(hook.id, after)).toThrow(/does not decrypt/);
    expect((await repoWith(B).target(hook.id))?.secret).toBe(hook.secret);
    // Resealed once: a further read under the same keys leaves the value alone.
    await repoWith(B, A).target(hook.id);
    expect(await stored(hook.id)).toBe(after);
  });

  it("When current=B and previous=A, then listing the tenant's webhooks reseals every one under B (no secret needs to be delivered)", async () => {
    const hooks = [await underA(), await underA()];
    expect((await repoWith(B, A).list("team-rot")).map((h) => h.id)).toEqual(expect.arrayContaining(hooks.map((h) => h.id)));
    for (const hook of hooks) expect(new WebhookSecretBox(B).open(hook.id, await stored(hook.id))).toBe(hook.secret);
  });

  it("When current=B and no previous key, then a secret stored under A fails with the clear error and is left as it was", async () => {
    const hook = await underA();
    const before = await stored(hook.id);
    const err = await repoWith(B).target(hook.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookSecretError);
    expect((err as Error).message).toMatch(new RegExp(`cannot read the signing secret of webhook ${hook.id}: it does not decrypt with WEBHOOK_SECRET_KEY \\(`));
    expect(await stored(hook.id)).toBe(before);
  });

  it("When neither the current nor the previous key opens a secret, then the error names both and the value is left as it was", async () => {
    const hook = await underA();
    const before = await stored(hook.id);
    await expect(repoWith(B, newWebhookSecretKey()).target(hook.id)).rejects.toThrow(/does not decrypt with WEBHOOK_SECRET_KEY nor with WEBHOOK_SECRET_KEY_PREVIOUS/);
    expect(await stored(hook.id)).toBe(before);
  });

  it("When current=B and previous=A, then a new or rotated secret is sealed under B only", async () => {
    const hook = await repoWith(B, A).create("team-rot", { url: "https://hooks.example.com/new" });
    expect(new WebhookSecretBox(B).open(hook.id, await stored(hook.id))).toBe(hook.secret);
    const rotated = await repoWith(B, A).rotate("team-rot", hook.id);
    const field = await stored(hook.id);
    expect(new WebhookSecretBox(B).open(hook.id, field)).toBe(rotated.secret);
    expect(() => new WebhookSecretBox(A).open(hook.id, field)).toThrow(/does not decrypt/);
  });
});

describe("WEBHOOK_SECRET_KEY in the services' configuration", () => {
  const issuesOf = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as ConfigError).issues.join("\n");
    }
    return "";
  };

  it("When the entrypoint or the status worker starts without a key, or with one that is not base64 of 32 bytes, then it refuses, naming the variable and never repeating the value", () => {
    for (const schema of [EntrypointEnv, StatusWorkerEnv]) {
      expect(issuesOf(() => parseEnv(schema, {}))).toMatch(/^WEBHOOK_SECRET_KEY: required: base64 of 32 random bytes/m);
      const short = Buffer.from("sixteen byte key").toString("base64");
      const issues = issuesOf(() => parseEnv(schema, { WEBHOOK_SECRET_KEY: short }));
      expect(issues).toMatch(/^WEBHOOK_SECRET_KEY: not a key/m);
      expect(issues).not.toContain(short);
      const key = newWebhookSecretKey();
      expect(parseEnv(schema, { WEBHOOK_SECRET_KEY: key }).WEBHOOK_SECRET_KEY).toBe(key);
    }
  });

  it("When WEBHOOK_SECRET_KEY_PREVIOUS is set to something that is not a key, then the entrypoint and the status worker refuse, naming that variable and never repeating the value; unset or empty it is no key", () => {
    for (const schema of [EntrypointEnv, StatusWorkerEnv]) {
      const WEBHOOK_SECRET_KEY = newWebhookSecretKey();
      const bad = "not-a-base64-key-at-all";
      const issues = issuesOf(() => parseEnv(schema, { WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_PREVIOUS: bad }));
      expect(issues).toMatch(/^WEBHOOK_SECRET_KEY_PREVIOUS: not a key/m);
      expect(issues).not.toContain(bad);
      const previous = newWebhookSecretKey();
      expect(parseEnv(schema, { WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_PREVIOUS: previous }).WEBHOOK_SECRET_KEY_PREVIOUS).toBe(previous);
      expect(parseEnv(schema, { WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_PREVIOUS: "" }).WEBHOOK_SECRET_KEY_PREVIOUS).toBeUndefined();
      expect(parseEnv(schema, { WEBHOOK_SECRET_KEY }).WEBHOOK_SECRET_KEY_PREVIOUS).toBeUndefined();
    }
  });

  it("When the other services are configured, then they have no such variable: they never see a webhook secret", () => {
    expect(Object.keys(SERVICE_ENV["yaml-manager"].shape)).not.toContain("WEBHOOK_SECRET_KEY");
    expect(Object.keys(SERVICE_ENV["cluster-applier"].shape)).not.toContain("WEBHOOK_SECRET_KEY");
  });
});
