import express, { Router, type RequestHandler } from "express";
import { WebhookCreate } from "../contract";
import { badRequest } from "../errors/app-error";
import { tenantOf } from "../http/auth";
import { checkDestination, type DestinationPolicy } from "../webhooks/destination";
import type { WebhookRepository } from "../webhooks/webhook-repository";

/**
 * A tenant's webhooks: `POST /webhooks` (the secret is in this answer only), `GET /webhooks`,
 * `DELETE /webhooks/:id`, `POST /webhooks/:id/secret` (a new secret, shown once; the old one
 * stops at once). Deliveries are the status worker's (apps/shared/webhooks/webhook-queue.ts).
 */
export const webhookRoutes = (webhooks: WebhookRepository, policy: DestinationPolicy, auth: RequestHandler): Router => {
  const r = Router();
  r.use("/webhooks", auth);

  r.post("/webhooks", express.json({ limit: "16kb" }), async (req, res) => {
    const parsed = WebhookCreate.safeParse(req.body);
    if (!parsed.success) throw badRequest(`invalid webhook: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);
    const url = await checkDestination(parsed.data.url, policy);
    const created = await webhooks.create(tenantOf(res), { ...parsed.data, url: url.toString() });
    res.status(201).location(`/webhooks/${created.id}`).json(created);
  });

  r.get("/webhooks", async (_req, res) => {
    res.json({ items: await webhooks.list(tenantOf(res)) });
  });

  r.delete("/webhooks/:id", async (req, res) => {
    await webhooks.remove(tenantOf(res), String(req.params.id));
    res.status(204).end();
  });

  r.post("/webhooks/:id/secret", async (req, res) => {
    res.json(await webhooks.rotate(tenantOf(res), String(req.params.id)));
  });

  return r;
};
