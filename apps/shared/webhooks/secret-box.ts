import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { WEBHOOK_SECRET_KEY_BYTES } from "../contract";

/**
 * A webhook's signing secret as it is kept in Redis: `v1:` and the base64url of
 * IV (12 random bytes) ‖ ciphertext ‖ GCM tag (16 bytes), AES-256-GCM under WEBHOOK_SECRET_KEY
 * with `v1:<webhook id>` as associated data, so a value copied onto another webhook does not
 * open. The prefix names the format, not the key: during a rotation of the key a value is tried
 * with WEBHOOK_SECRET_KEY, then WEBHOOK_SECRET_KEY_PREVIOUS (a wrong key fails the tag check),
 * and one only the previous key opens is re-encrypted (`reseal`).
 *
 * Node's AEAD (https://nodejs.org/docs/latest-v20.x/api/crypto.html#cryptocreatedecipherivalgorithm-key-iv-options):
 * `authTagLength` makes the decipher refuse a shortened tag, `setAAD` binds the associated data,
 * and `final()` throws when the tag does not match (wrong key, altered value, other webhook).
 */
const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** What every secret looked like when they were stored in plain text (`newWebhookSecret`). */
const PLAIN_PREFIX = "whsec_";

/** A fresh WEBHOOK_SECRET_KEY (for a local run and tests; a stack's comes from the Pulumi program). */
export const newWebhookSecretKey = (): string => randomBytes(WEBHOOK_SECRET_KEY_BYTES).toString("base64");

/** A stored secret that cannot be opened: a delivery must fail with this, never be signed. */
export class WebhookSecretError extends Error {
  constructor(
    readonly webhookId: string,
    message: string,
  ) {
    super(message);
    this.name = "WebhookSecretError";
  }
}

const keyOf = (name: string, base64: string): Buffer => {
  const key = Buffer.from(base64, "base64");
  if (key.length !== WEBHOOK_SECRET_KEY_BYTES) throw new Error(`${name} must be base64 of ${WEBHOOK_SECRET_KEY_BYTES} bytes (got ${key.length})`);
  return key;
};

export class WebhookSecretBox {
  private readonly key: Buffer;
  private readonly previous: Buffer | undefined;

  /**
   * `key`: base64 of WEBHOOK_SECRET_KEY_BYTES bytes (the services' WEBHOOK_SECRET_KEY), the only
   * one that encrypts. `previous`: the same for WEBHOOK_SECRET_KEY_PREVIOUS, during a rotation;
   * it only decrypts.
   */
  constructor(key: string, previous?: string) {
    this.key = keyOf("WEBHOOK_SECRET_KEY", key);
    this.previous = previous ? keyOf("WEBHOOK_SECRET_KEY_PREVIOUS", previous) : undefined;
  }

  private static aad = (webhookId: string) => Buffer.from(`${VERSION}:${webhookId}`, "utf8");

  /** Encrypt a secret for one webhook; a fresh random IV each time. */
  seal(webhookId: string, secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(WebhookSecretBox.aad(webhookId));
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
  }

  /** A value stored before secrets were encrypted: to be sealed on first read. */
  static isPlain = (stored: string): boolean => stored.startsWith(PLAIN_PREFIX);

  /**
   * The secret of this webhook from its stored value: a sealed one is decrypted, a plain-text
   * one (stored before this format) is returned as it is. Anything else throws a
   * WebhookSecretError that says why; nothing is ever returned that the key did not vouch for.
   */
  open(webhookId: string, stored: string | undefined): string {
    return this.unseal(webhookId, stored).secret;
  }

  /**
   * The value to store in place of `stored`, encrypted under the current key, when it is plain
   * text or opens only with the previous key; null when it is already under the current key or
   * does not open at all (left as it is: a delivery reports why). Without a previous key a
   * sealed value is not even decrypted.
   */
  reseal(webhookId: string, stored: string): string | null {
    if (WebhookSecretBox.isPlain(stored)) return this.seal(webhookId, stored);
    if (!this.previous) return null;
    try {
      const { secret, stale } = this.unseal(webhookId, stored);
      return stale ? this.seal(webhookId, secret) : null;
    } catch {
      return null;
    }
  }

  /** The secret, and whether its stored value should be replaced (plain, or under the previous key). */
  private unseal(webhookId: string, stored: string | undefined): { secret: string; stale: boolean } {
    const fail = (why: string) => new WebhookSecretError(webhookId, `cannot read the signing secret of webhook ${webhookId}: ${why}`);
    if (!stored) throw fail("none is stored");
    if (WebhookSecretBox.isPlain(stored)) return { secret: stored, stale: true };
    if (!stored.startsWith(`${VERSION}:`)) throw fail(`unknown format "${stored.split(":", 1)[0]!.slice(0, 8)}" (this version reads ${VERSION})`);
    const raw = Buffer.from(stored.slice(VERSION.length + 1), "base64url");
    if (raw.length <= IV_BYTES + TAG_BYTES) throw fail("the stored value is truncated");
    const current = this.decrypt(this.key, webhookId, raw);
    if (current !== null) return { secret: current, stale: false };
    const previous = this.previous ? this.decrypt(this.previous, webhookId, raw) : null;
    if (previous !== null) return { secret: previous, stale: true };
    const keys = this.previous ? "WEBHOOK_SECRET_KEY nor with WEBHOOK_SECRET_KEY_PREVIOUS" : "WEBHOOK_SECRET_KEY";
    throw fail(`it does not decrypt with ${keys} (a different key than the one it was stored with, or a value altered or copied from another webhook)`);
  }

  /** IV ‖ ciphertext ‖ tag opened with one key, or null when the tag does not match. */
  private decrypt(key: Buffer, webhookId: string, raw: Buffer): string | null {
    const decipher = createDecipheriv(ALGORITHM, key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(WebhookSecretBox.aad(webhookId));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      return null;
    }
  }
}
