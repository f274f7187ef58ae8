import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { WEBHOOK_TOLERANCE_SECONDS } from "../contract";

/**
 * Webhook signatures, as Stripe signs its events (https://docs.stripe.com/webhooks#verify-manually):
 * HMAC-SHA256 with the endpoint's secret over `<timestamp>.<body>`, sent as
 * `Webhook-Signature: t=<unix seconds>,v1=<hex>`. The timestamp is inside what is signed, so a
 * captured delivery cannot be replayed later with a fresh time; GitHub's `X-Hub-Signature-256`
 * (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries) signs the
 * body alone. Compare in constant time.
 */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString("base64url")}`;

const mac = (secret: string, timestamp: number, body: string) => createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");

export const signWebhook = (secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string => `t=${timestamp},v1=${mac(secret, timestamp, body)}`;

/** For receivers (and tests): whether a signature header is valid for this body and fresh enough. */
export const verifyWebhookSignature = (secret: string, body: string, header: string, opts: { nowSeconds?: number; toleranceSeconds?: number } = {}): boolean => {
  const parts = new Map<string, string[]>();
  for (const item of header.split(",")) {
    const [k, v] = item.split("=", 2);
    if (k && v) parts.set(k.trim(), [...(parts.get(k.trim()) ?? []), v.trim()]);
  }
  const t = Number(parts.get("t")?.[0]);
  if (!Number.isInteger(t)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const want = Buffer.from(mac(secret, t, body), "hex");
  return (parts.get("v1") ?? []).some((v) => {
    const got = Buffer.from(v, "hex");
    return got.length === want.length && timingSafeEqual(got, want);
  });
};
