import { z } from "zod";
import type { JobStatus, JobView, TargetKind, Workload } from "./job";

/**
 * Webhooks: a tenant's endpoints told when a job can no longer change (its outcome). The
 * status worker both enqueues (when it records the event that made the job final) and
 * delivers (a consumer of the webhook queue): see docs/architecture.md, "Webhooks".
 */
export const WEBHOOK_OUTCOMES = ["Succeeded", "Failed", "Rejected"] as const;
export const WebhookOutcome = z.enum(WEBHOOK_OUTCOMES);
export type WebhookOutcome = z.infer<typeof WebhookOutcome>;

/** Webhooks a tenant may register. */
export const WEBHOOKS_PER_TENANT_MAX = 10;
/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the webhook's secret. */
export const WEBHOOK_SIGNATURE_HEADER = "Webhook-Signature";
/** The delivery's id: the same on every retry of one notice, so a receiver can drop repeats. */
export const WEBHOOK_DELIVERY_HEADER = "Webhook-Delivery";
/** How old a signed timestamp a receiver should still accept (what `verifyWebhookSignature` uses by default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/**
 * The key that encrypts webhook signing secrets at rest (WEBHOOK_SECRET_KEY, AES-256-GCM): this
 * many random bytes, base64. The Pulumi program generates it; the services refuse another length.
 */
export const WEBHOOK_SECRET_KEY_BYTES = 32;

export const WebhookCreate = z.object({
  url: z.url({ message: "url must be an absolute URL such as https://example.com/hooks/jobs" }).max(2048),
  /** Which outcomes to be told of; default all. */
  outcomes: z.array(WebhookOutcome).min(1).optional(),
  description: z.string().max(200).optional(),
});
export type WebhookCreate = z.infer<typeof WebhookCreate>;

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  outcomes: z.array(WebhookOutcome),
  description: z.string().optional(),
  createdAt: z.string(),
  /** How the last delivery attempt went. */
  lastDelivery: z.object({ at: z.string(), ok: z.boolean(), status: z.number().int().optional(), error: z.string().optional() }).optional(),
});
export type WebhookView = z.infer<typeof WebhookView>;
/** The answer to POST /webhooks and POST /webhooks/:id/secret: the secret, shown this once. */
export const WebhookWithSecret = WebhookView.extend({ secret: z.string() });
export type WebhookWithSecret = z.infer<typeof WebhookWithSecret>;

/** The body of a delivery (JSON). */
export const WebhookPayload = z.object({
  type: z.literal("job.finished"),
  deliveryId: z.string(),
  webhookId: z.string(),
  outcome: WebhookOutcome,
  at: z.string(),
  job: z.object({
    id: z.string(),
    tenant: z.string(),
    name: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    status: z.string(),
    reason: z.string().optional(),
    workload: z.object({ phase: z.string(), reason: z.string().optional(), finishedAt: z.string().optional() }).optional(),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/**
 * The outcome of a job that can no longer change by itself, or undefined while it can (or when
 * it was rolled back: the owner asked for that). A job DONE on the dry-run target ran nothing
 * and succeeded; on a cluster it waits for its workload's final outcome, which a Deployment
 * job never has.
 */
export const jobOutcome = (job: { status: JobStatus; target?: TargetKind; workload?: Workload }): WebhookOutcome | undefined => {
  if (job.status === "REJECTED") return "Rejected";
  if (job.status === "FAILED") return "Failed";
  if (job.status !== "DONE") return undefined;
  if (job.target !== "kubernetes") return "Succeeded";
  const w = job.workload;
  // A Deployment job never ends by itself (a failing one may recover): no notice for it.
  if (!w || w.available !== undefined) return undefined;
  if (w.final || w.phase === "Succeeded" || w.phase === "Failed") return w.phase === "Succeeded" ? "Succeeded" : w.phase === "Failed" ? "Failed" : undefined;
  return undefined;
};

export const webhookPayloadOf = (job: JobView, outcome: WebhookOutcome, webhookId: string, deliveryId: string, at: string): WebhookPayload => ({
  type: "job.finished",
  deliveryId,
  webhookId,
  outcome,
  at,
  job: {
    id: job.id,
    tenant: job.tenant,
    ...(job.name ? { name: job.name } : {}),
    ...(job.labels ? { labels: job.labels } : {}),
    status: job.status,
    ...(job.reason ? { reason: job.reason } : {}),
    ...(job.workload ? { workload: { phase: job.workload.phase, ...(job.workload.reason ? { reason: job.workload.reason } : {}), ...(job.workload.finishedAt ? { finishedAt: job.workload.finishedAt } : {}) } } : {}),
  },
});

/** The webhook queues: deliveries, one delay queue per retry step (back to deliveries when due), and the DLQ. */
export const webhookTopology = (prefix: string) => {
  const p = prefix ? `${prefix}.` : "";
  return {
    deliveries: `${p}webhooks`,
    retry: (delayMs: number) => `${p}webhooks.retry.${delayMs}ms`,
    deadLetters: `${p}webhooks.dlq`,
  };
};
