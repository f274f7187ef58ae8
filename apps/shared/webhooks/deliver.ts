import http from "node:http";
import https from "node:https";
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER } from "../contract";
import { deliveryAgent, type DestinationPolicy } from "./destination";
import { signWebhook } from "./signature";

export interface DeliveryLimits extends DestinationPolicy {
  timeoutMs: number;
  maxResponseBytes: number;
}
export interface DeliveryResult {
  ok: boolean;
  status?: number;
  error?: string;
}

/**
 * One signed POST of a notice. A 2xx answer is a success; anything else (another status, a
 * redirect, which is never followed, a refused or non-public address, the time running out, an
 * answer over the size cap) is a failure the caller retries. At most `maxResponseBytes` of the
 * answer are read; the whole exchange is bounded by `timeoutMs`.
 */
export const deliverWebhook = (url: string, secret: string, deliveryId: string, body: string, limits: DeliveryLimits): Promise<DeliveryResult> =>
  new Promise((resolve) => {
    let settled = false;
    const done = (r: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const target = new URL(url);
    const request = target.protocol === "https:" ? https.request : http.request;
    const req = request(target, {
      method: "POST",
      agent: deliveryAgent(url, limits),
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "user-agent": "management-app-webhooks/1",
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, body),
        [WEBHOOK_DELIVERY_HEADER]: deliveryId,
      },
    });
    const timer = setTimeout(() => done({ ok: false, error: `no answer within ${limits.timeoutMs} ms` }), limits.timeoutMs);
    req.on("error", (err) => done({ ok: false, error: err.message }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limits.maxResponseBytes) done({ ok: false, status, error: `answer over ${limits.maxResponseBytes} bytes` });
      });
      res.on("end", () => done(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: status >= 300 && status < 400 ? "redirects are not followed" : `HTTP ${status}` }));
      res.on("error", (err) => done({ ok: false, status, error: err.message }));
    });
    req.end(body);
  });
