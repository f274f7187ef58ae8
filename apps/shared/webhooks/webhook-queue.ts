import { createHash } from "node:crypto";
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import { jobOutcome, webhookPayloadOf, webhookTopology, type JobView } from "../contract";
import type { Logger } from "../logging/logger";
import { settleWithin } from "../runtime/settle-within";
import { CLOSE_STEP_MS, Transport } from "../messaging/transport";
import { deliverWebhook, type DeliveryLimits, type DeliveryResult } from "./deliver";
import { WebhookSecretError } from "./secret-box";
import type { WebhookRepository, WebhookTarget } from "./webhook-repository";

export interface WebhookQueueOptions {
  url: string;
  prefix: string;
  logger: Logger;
  repository: WebhookRepository;
  limits: DeliveryLimits;
  /** Delay before each retry (ms); after the last retry fails, the DLQ. */
  retryDelaysMs: number[];
  /** Deliveries to one webhook in flight at once in this process. */
  perEndpoint: number;
  /** Deliveries in flight at once in this process (the channel's prefetch). */
  prefetch: number;
  /** Consume (deliver) as well as enqueue. */
  consume: boolean;
}

/** One notice to one webhook, as it travels through the queues. */
interface Delivery {
  deliveryId: string;
  webhookId: string;
  tenant: string;
  jobId: string;
  /** The JSON body, fixed when the job finished (the signature is made at each attempt). */
  body: string;
  /** 1 for the first try. */
  attempt: number;
}

/** The same id for the same job and webhook, whoever enqueues it and however often. */
const deliveryIdOf = (jobId: string, webhookId: string) => {
  const h = createHash("sha256").update(`${jobId}/${webhookId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/**
 * Webhook notices through RabbitMQ, at least once: the status worker enqueues one message per
 * webhook when a job's outcome is known (never on a request's path), and delivers them from the
 * `webhooks` queue. A failed attempt is republished to a delay queue whose TTL dead-letters it
 * back when due (one queue per delay step), then after the last step to `webhooks.dlq`.
 * A receiver that is slow or down holds at most `perEndpoint` deliveries of this worker (the
 * rest of its notices wait in the shortest delay queue, spending no attempt), and each attempt
 * ends within the timeout: other webhooks' notices keep flowing.
 */
export class WebhookQueue {
  private readonly transport: Transport;
  private readonly names: ReturnType<typeof webhookTopology>;
  private readonly inFlight = new Map<string, number>();
  private readonly working = new Set<Promise<void>>();
  private consumer?: [Channel, string];

  constructor(private readonly opts: WebhookQueueOptions) {
    this.names = webhookTopology(opts.prefix);
    this.transport = new Transport({ url: opts.url, logger: opts.logger, setup: (model) => this.setup(model), onDisconnect: () => (this.consumer = undefined) });
  }

  async start(): Promise<void> {
    await this.transport.start();
  }

  private async setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    const quorum = { "x-queue-type": "quorum" };
    await ch.assertQueue(this.names.deliveries, { durable: true, arguments: quorum });
    await ch.assertQueue(this.names.deadLetters, { durable: true, arguments: quorum });
    for (const delay of new Set(this.opts.retryDelaysMs)) {
      await ch.assertQueue(this.names.retry(delay), {
        durable: true,
        arguments: {
          ...quorum,
          "x-message-ttl": delay,
          // Due: back to the deliveries queue, through the default exchange (routes by queue name).
          "x-dead-letter-exchange": "",
          "x-dead-letter-routing-key": this.names.deliveries,
          "x-dead-letter-strategy": "at-least-once",
          "x-overflow": "reject-publish",
        },
      });
    }
    await ch.close();
    if (!this.opts.consume) return;
    const consumer = await model.createChannel();
    this.transport.watch(model, consumer, "webhooks");
    await consumer.prefetch(this.opts.prefetch);
    const { consumerTag } = await consumer.consume(this.names.deliveries, (msg) => {
      if (!msg) return this.transport.recycle(model);
      const work = this.handle(consumer, msg).finally(() => this.working.delete(work));
      this.working.add(work);
    });
    this.consumer = [consumer, consumerTag];
  }

  /**
   * The job's outcome is known (or not yet: nothing happens): enqueue one notice per webhook of
   * its tenant that asked for this outcome, once per job. A repeat of the event finds the
   * notice sent; two handlers at once: one sends, the other retries later.
   */
  async jobChanged(job: JobView): Promise<void> {
    const outcome = jobOutcome(job);
    if (!outcome) return;
    const claim = await this.opts.repository.claimNotice(job.id);
    if (claim === "sent") return;
    if (claim === "busy") throw new Error(`the notice of job ${job.id} is being sent by another handler; retrying`);
    try {
      const at = new Date().toISOString();
      // One publish per webhook, confirmed together (the confirms overlap).
      const hooks = await this.opts.repository.targets(job.tenant, outcome);
      await Promise.all(
        hooks.map((hook) => {
          const deliveryId = deliveryIdOf(job.id, hook.id);
          const body = JSON.stringify(webhookPayloadOf(job, outcome, hook.id, deliveryId, at));
          return this.send(this.names.deliveries, { deliveryId, webhookId: hook.id, tenant: job.tenant, jobId: job.id, body, attempt: 1 });
        }),
      );
    } catch (err) {
      await this.opts.repository.releaseNotice(job.id).catch(() => undefined);
      throw err;
    }
    await this.opts.repository.noticeSent(job.id);
  }

  private send(queue: string, d: Delivery, headers: Record<string, string> = {}): Promise<void> {
    return this.transport.publish("", queue, Buffer.from(JSON.stringify(d)), { contentType: "application/json", messageId: d.deliveryId, headers });
  }

  private async handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    let d: Delivery;
    try {
      d = JSON.parse(msg.content.toString("utf8")) as Delivery;
      if (!d.deliveryId || !d.webhookId || typeof d.body !== "string" || !Number.isInteger(d.attempt)) throw new Error("not a webhook delivery");
    } catch (err) {
      return this.park(ch, msg, `malformed delivery: ${(err as Error).message}`);
    }
    const log = this.opts.logger.child({ webhookId: d.webhookId, jobId: d.jobId, deliveryId: d.deliveryId, attempt: d.attempt });
    try {
      let hook: WebhookTarget | null;
      try {
        hook = await this.opts.repository.target(d.webhookId);
      } catch (err) {
        if (!(err instanceof WebhookSecretError)) throw err;
        // Nothing is signed with a secret the key does not vouch for: a failed attempt, recorded
        // on the webhook with the reason, retried (the key may be put right) and then parked.
        log.error({ err: err.message }, "webhook secret unreadable; delivery failed");
        return await this.settle(ch, msg, d, log, { ok: false, error: err.message });
      }
      if (!hook) {
        log.info("webhook deleted; notice dropped");
        return void ch.ack(msg);
      }
      const busy = this.inFlight.get(hook.id) ?? 0;
      if (busy >= this.opts.perEndpoint) {
        // This receiver is busy: wait in the shortest delay queue without spending an attempt.
        await this.send(this.names.retry(Math.min(...this.opts.retryDelaysMs)), d);
        return void ch.ack(msg);
      }
      this.inFlight.set(hook.id, busy + 1);
      let result: DeliveryResult;
      try {
        result = await deliverWebhook(hook.url, hook.secret, d.deliveryId, d.body, this.opts.limits);
      } finally {
        const left = (this.inFlight.get(hook.id) ?? 1) - 1;
        if (left > 0) this.inFlight.set(hook.id, left);
        else this.inFlight.delete(hook.id);
      }
      await this.settle(ch, msg, d, log, result);
    } catch (err) {
      // Redis or the broker failed us, not the receiver: give the message back, a little later.
      log.warn({ err: (err as Error).message }, "could not handle a webhook delivery; requeued");
      await new Promise((r) => setTimeout(r, 1000));
      try {
        ch.nack(msg, false, true);
      } catch {
        // The channel is gone: the broker redelivers it.
      }
    }
  }

  /** After an attempt: record it on the webhook, then ack, or schedule the retry, or park it. */
  private async settle(ch: Channel, msg: ConsumeMessage, d: Delivery, log: Logger, result: DeliveryResult): Promise<void> {
    await this.opts.repository.recordDelivery(d.webhookId, result).catch(() => undefined);
    if (result.ok) {
      log.info({ status: result.status }, "webhook delivered");
      return void ch.ack(msg);
    }
    const delay = this.opts.retryDelaysMs[d.attempt - 1];
    if (delay === undefined) {
      log.warn({ err: result.error }, "webhook delivery gave up; parked in the DLQ");
      await this.send(this.names.deadLetters, d, { "x-error": result.error ?? "failed" });
      return void ch.ack(msg);
    }
    log.info({ err: result.error, retryInMs: delay }, "webhook delivery failed; will retry");
    await this.send(this.names.retry(delay), { ...d, attempt: d.attempt + 1 });
    ch.ack(msg);
  }

  private async park(ch: Channel, msg: ConsumeMessage, why: string): Promise<void> {
    this.opts.logger.error({ err: why }, "webhook delivery parked");
    await this.transport.publish("", this.names.deadLetters, msg.content, { headers: { "x-error": why } }).catch(() => undefined);
    ch.ack(msg);
  }

  isConnected(): boolean {
    return this.transport.connected;
  }

  async close(): Promise<void> {
    this.transport.beginClose();
    if (this.consumer) await settleWithin(this.consumer[0].cancel(this.consumer[1]), CLOSE_STEP_MS);
    await settleWithin(Promise.allSettled([...this.working]), 10_000);
    if (this.consumer) await settleWithin(this.consumer[0].close(), CLOSE_STEP_MS);
    await this.transport.close();
  }
}
