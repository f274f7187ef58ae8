import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { WEBHOOK_OUTCOMES, WEBHOOKS_PER_TENANT_MAX, type WebhookCreate, type WebhookOutcome, type WebhookView, type WebhookWithSecret } from "../contract";
import { AppError, notFound } from "../errors/app-error";
import { callRedis, stackKeyPrefix } from "../state/redis-errors";
import { WebhookSecretBox } from "./secret-box";
import { newWebhookSecret } from "./signature";

/** Who is told of an outcome (no secret: enqueueing a notice does not need it). */
export interface WebhookAddressee {
  id: string;
  tenant: string;
  url: string;
  outcomes: WebhookOutcome[];
}
/** What a delivery needs of a webhook: where, and the secret to sign with. */
export interface WebhookTarget extends WebhookAddressee {
  secret: string;
}

/**
 * Register a webhook unless the tenant has WEBHOOKS_PER_TENANT_MAX already (atomic: two
 * concurrent registrations cannot both take the last place).
 * KEYS[1] tenant's webhook set  KEYS[2] the webhook's hash; ARGV[1] id, ARGV[2] cap, ARGV[3..] field/value pairs.
 */
const CREATE_LUA = `
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
return 1
`;

/**
 * Replace a stored secret by its form under the current key (from plain text, or from the
 * previous key), only if it is still the value read (a rotation of the secret in between wins).
 * KEYS[1] the webhook's hash; ARGV[1] the value read, ARGV[2] the resealed one.
 */
const RESEAL_LUA = `
if redis.call('HGET', KEYS[1], 'secret') == ARGV[1] then redis.call('HSET', KEYS[1], 'secret', ARGV[2]) return 1 end
return 0
`;

type WithScripts = Redis & {
  webhookCreate(set: string, hash: string, id: string, cap: number, ...fields: string[]): Promise<number>;
  webhookReseal(hash: string, read: string, resealed: string): Promise<number>;
};

/**
 * Webhooks in Redis: `webhook:<id>` (url, outcomes, secret, tenant, last delivery) and the
 * tenant's set of ids. The secret is kept (a signature needs it) encrypted under
 * WEBHOOK_SECRET_KEY (WebhookSecretBox: AES-256-GCM, bound to the webhook's id), and returned
 * only at creation and rotation. One stored in plain text before secrets were encrypted, or under
 * WEBHOOK_SECRET_KEY_PREVIOUS during a key rotation, is resealed under the current key the first
 * time its webhook is read (listed, delivered to, rotated). The notice of a
 * job is claimed once (`webhook-notice:<jobId>`).
 */
export class WebhookRepository {
  private readonly redis: WithScripts;
  private readonly p: string;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly box: WebhookSecretBox,
  ) {
    this.p = stackKeyPrefix(prefix);
    redis.defineCommand("webhookCreate", { numberOfKeys: 2, lua: CREATE_LUA });
    redis.defineCommand("webhookReseal", { numberOfKeys: 1, lua: RESEAL_LUA });
    this.redis = redis as WithScripts;
  }

  private key = (id: string) => `${this.p}webhook:${id}`;
  private tenantKey = (tenant: string) => `${this.p}tenant:${tenant}:webhooks`;
  private noticeKey = (jobId: string) => `${this.p}webhook-notice:${jobId}`;

  async create(tenant: string, input: WebhookCreate & { url: string }): Promise<WebhookWithSecret> {
    const id = randomUUID();
    const secret = newWebhookSecret();
    const createdAt = new Date().toISOString();
    const outcomes = input.outcomes ? [...new Set(input.outcomes)] : [...WEBHOOK_OUTCOMES];
    const fields = ["id", id, "tenant", tenant, "url", input.url, "outcomes", JSON.stringify(outcomes), "secret", this.box.seal(id, secret), "createdAt", createdAt];
    if (input.description) fields.push("description", input.description);
    const ok = await callRedis(() => this.redis.webhookCreate(this.tenantKey(tenant), this.key(id), id, WEBHOOKS_PER_TENANT_MAX, ...fields));
    if (ok !== 1) throw new AppError(`a tenant may register at most ${WEBHOOKS_PER_TENANT_MAX} webhooks; delete one first (DELETE /webhooks/:id)`, { status: 409 });
    return { id, url: input.url, outcomes, ...(input.description ? { description: input.description } : {}), createdAt, secret };
  }

  async list(tenant: string): Promise<WebhookView[]> {
    const ids = (await callRedis(() => this.redis.smembers(this.tenantKey(tenant)))).sort();
    const hooks = await Promise.all(ids.map((id) => this.read(id)));
    return hooks.filter((h): h is Record<string, string> => h !== null && h.tenant === tenant).map(toView).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Every webhook of the tenant that wants this outcome (for the notifier; no secret is opened). */
  async targets(tenant: string, outcome: WebhookOutcome): Promise<WebhookAddressee[]> {
    const ids = await callRedis(() => this.redis.smembers(this.tenantKey(tenant)));
    const hooks = await Promise.all(ids.map((id) => this.read(id)));
    return hooks.filter((h): h is Record<string, string> => h !== null && h.tenant === tenant).map(addresseeOf).filter((h) => h.outcomes.includes(outcome));
  }

  /**
   * One webhook with its secret decrypted, or null (deleted since). A secret that does not open
   * (another WEBHOOK_SECRET_KEY, an altered value) throws WebhookSecretError.
   */
  async target(id: string): Promise<WebhookTarget | null> {
    const h = await this.read(id);
    return h ? { ...addresseeOf(h), secret: this.box.open(id, h.secret) } : null;
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.owned(tenant, id);
    await callRedis(() => this.redis.multi().srem(this.tenantKey(tenant), id).del(this.key(id)).exec());
  }

  /** A new secret; the old one stops signing at once. */
  async rotate(tenant: string, id: string): Promise<WebhookWithSecret> {
    const h = await this.owned(tenant, id);
    const secret = newWebhookSecret();
    await callRedis(() => this.redis.hset(this.key(id), "secret", this.box.seal(id, secret)));
    return { ...toView(h), secret };
  }

  async recordDelivery(id: string, result: { ok: boolean; status?: number; error?: string }): Promise<void> {
    const last = JSON.stringify({ at: new Date().toISOString(), ...result });
    // Only if the webhook still exists (HSET would bring a deleted one back).
    await callRedis(() => this.redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastDelivery', ARGV[1]) end return 0", 1, this.key(id), last));
  }

  /**
   * Claim the sending of a job's notice: "claimed" (send it, then `noticeSent`), "sent"
   * (already done), or "busy" (another handler is sending it now, or crashed doing so: the
   * claim lapses after `leaseSeconds`, so a retry takes it over).
   */
  async claimNotice(jobId: string, leaseSeconds = 60): Promise<"claimed" | "sent" | "busy"> {
    const claimed = await callRedis(() => this.redis.set(this.noticeKey(jobId), "pending", "EX", leaseSeconds, "NX"));
    if (claimed === "OK") return "claimed";
    return (await callRedis(() => this.redis.get(this.noticeKey(jobId)))) === "sent" ? "sent" : "busy";
  }
  async noticeSent(jobId: string): Promise<void> {
    await callRedis(() => this.redis.set(this.noticeKey(jobId), "sent", "EX", 30 * 24 * 3600));
  }
  async releaseNotice(jobId: string): Promise<void> {
    await callRedis(() => this.redis.del(this.noticeKey(jobId)));
  }

  /**
   * A webhook's hash, its secret resealed under the current key on the way if it was plain text
   * (from before encryption) or under the previous key (before a key rotation).
   */
  private async read(id: string): Promise<Record<string, string> | null> {
    const h = await callRedis(() => this.redis.hgetall(this.key(id)));
    if (!h.id) return null;
    const read = h.secret;
    const resealed = read ? this.box.reseal(id, read) : null;
    if (read && resealed) await callRedis(() => this.redis.webhookReseal(this.key(id), read, resealed));
    return h;
  }

  private async owned(tenant: string, id: string): Promise<Record<string, string>> {
    const h = await this.read(id);
    if (!h || h.tenant !== tenant) throw notFound(`no webhook ${id}`);
    return h;
  }
}

const addresseeOf = (h: Record<string, string>): WebhookAddressee => ({ id: h.id!, tenant: h.tenant!, url: h.url!, outcomes: JSON.parse(h.outcomes ?? "[]") as WebhookOutcome[] });

const toView = (h: Record<string, string>): WebhookView => ({
  id: h.id!,
  url: h.url!,
  outcomes: JSON.parse(h.outcomes ?? "[]") as WebhookOutcome[],
  ...(h.description ? { description: h.description } : {}),
  createdAt: h.createdAt!,
  ...(h.lastDelivery ? { lastDelivery: JSON.parse(h.lastDelivery) as WebhookView["lastDelivery"] } : {}),
});
