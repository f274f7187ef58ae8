import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { WEBHOOK_SECRET_KEY_BYTES } from "../contract";

/**
 * A webhook's signing secret as it is kept in Redis: `v1:` and the base64url of
 * IV (12 random bytes) ‖ ciphertext ‖ GCM tag (16 bytes), AES-256-GCM under WEBHOOK_SECRET_KEY
 * with `v1:<webhook id>` as associated data, so a value copied onto another webhook does not
 * open. The prefix names the format (and, later, the key generation), so a rotation of the key
 * can tell old values from new ones.
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

export class WebhookSecretBox {
  private readonly key: Buffer;

  /** `key`: base64 of WEBHOOK_SECRET_KEY_BYTES bytes (the services' WEBHOOK_SECRET_KEY). */
  constructor(key: string) {
    this.key = Buffer.from(key, "base64");
    if (this.key.length !== WEBHOOK_SECRET_KEY_BYTES) throw new Error(`WEBHOOK_SECRET_KEY must be base64 of ${WEBHOOK_SECRET_KEY_BYTES} bytes (got ${this.key.length})`);
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
    const fail = (why: string) => new WebhookSecretError(webhookId, `cannot read the signing secret of webhook ${webhookId}: ${why}`);
    if (!stored) throw fail("none is stored");
    if (WebhookSecretBox.isPlain(stored)) return stored;
    if (!stored.startsWith(`${VERSION}:`)) throw fail(`unknown format "${stored.split(":", 1)[0]!.slice(0, 8)}" (this version reads ${VERSION})`);
    const raw = Buffer.from(stored.slice(VERSION.length + 1), "base64url");
    if (raw.length <= IV_BYTES + TAG_BYTES) throw fail("the stored value is truncated");
    const decipher = createDecipheriv(ALGORITHM, this.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(WebhookSecretBox.aad(webhookId));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw fail("it does not decrypt with WEBHOOK_SECRET_KEY (a different key than the one it was stored with, or a value altered or copied from another webhook)");
    }
  }
}
