import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import { JobEvent, TIMINGS, topology, type ServiceQueue, type Topology } from "../contract";
import { AppError, DependencyDownError, unavailable } from "../errors/app-error";
import type { Logger } from "../logging/logger";
import { deadLetterMessages, messagesConsumed, messagesPublished } from "../metrics/metrics";
import { settleWithin } from "../runtime/settle-within";
import { declareTopology } from "./declare-topology";

export interface BrokerOptions {
  url: string;
  prefix: string;
  prefetch: number;
  deliveryLimit: number;
  /** Who is talking, for metrics and logs. */
  service: string;
  logger: Logger;
  /** How long a publish may wait for the broker's confirm before it counts as uncertain (default 10 s). */
  confirmTimeoutMs?: number;
}

export interface DeliveryContext {
  /** 1 on the first delivery, 2 on the first redelivery, ... */
  attempt: number;
  log: Logger;
}
export type EventHandler = (event: JobEvent, ctx: DeliveryContext) => Promise<void>;
/** What handlers need of the broker: publishing, nothing else. */
export type Publish = (event: JobEvent) => Promise<void>;

export interface ConsumeOptions {
  /**
   * Called once when a well-formed event is given up on (refused for good, or out of
   * attempts), before it is dead-lettered: the place to tell the job's owner it FAILED.
   */
  onGiveUp?: (event: JobEvent, reason: string) => Promise<void>;
}

interface Consumer extends ConsumeOptions {
  service: ServiceQueue;
  handler: EventHandler;
}

/** Headers a dead-lettered message carries, so an operator can see why and re-drive it. */
export const DLQ_HEADERS = {
  error: "x-error",
  routingKey: "x-original-routing-key",
  attempts: "x-attempts",
} as const;

/**
 * A publish that was not confirmed. `sent: false`: it never left us (no channel), so the
 * broker certainly does not have it. `sent: true`: it left, and the broker may or may not
 * have taken it (timeout, nack, channel closed while waiting): the caller must not assume
 * either (see state/job-fate.ts).
 */
export class PublishError extends AppError {
  constructor(message: string, readonly sent: boolean, cause?: unknown) {
    super(message, { status: 503, retryable: true, cause });
    this.name = "PublishError";
  }
}

const backoffMs = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 2000);
/** How long a consumer holds a message while a dependency is down before counting it as failed. */
const MAX_OUTAGE_WAIT_MS = 10 * 60_000;

/**
 * The services' only way to talk. Publishes wait for the broker's confirm; consumers ack
 * after the handler's work, retry transient failures and dead-letter poison messages with
 * the reason. Channels and consumers are re-created after every reconnect (amqplib
 * recovers the connection, not what was on it).
 */
export class Broker {
  readonly topology: Topology;
  private conn?: Awaited<ReturnType<typeof connectRecovering>>;
  private model?: ChannelModel;
  private publisher?: ConfirmChannel;
  private readonly consumers: Consumer[] = [];
  /** Live consumer channels and their consumer tags, to cancel on shutdown. */
  private readonly consumerChannels = new Map<Channel, string>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  private constructor(private readonly opts: BrokerOptions) {
    this.topology = topology(opts.prefix);
  }

  static async connect(opts: BrokerOptions): Promise<Broker> {
    const broker = new Broker(opts);
    broker.conn = await connectRecovering(opts.url, (model) => broker.setup(model));
    broker.conn.on("disconnect", (err: Error) => {
      broker.model = undefined;
      broker.publisher = undefined;
      broker.consumerChannels.clear();
      if (!broker.closing) opts.logger.warn({ err: err.message }, "broker connection lost; reconnecting");
    });
    broker.conn.on("connect", () => opts.logger.info("broker connected"));
    broker.conn.on("error", (err: Error) => opts.logger.warn({ err: err.message }, "broker error"));
    return broker;
  }

  /** Start consuming a service queue now, and again after every reconnect. */
  async consume(service: ServiceQueue, handler: EventHandler, options: ConsumeOptions = {}): Promise<void> {
    const consumer = { service, handler, ...options };
    this.consumers.push(consumer);
    const model = this.model;
    if (model) {
      const [ch, tag] = await this.startConsumer(model, consumer);
      this.consumerChannels.set(ch, tag);
    }
  }

  /** Runs after every (re)connect: topology, publisher channel, then consumers. */
  private async setup(model: ChannelModel): Promise<void> {
    const admin = await model.createChannel();
    await declareTopology(admin, this.topology, this.opts.deliveryLimit);
    await admin.close();

    const publisher = await model.createConfirmChannel();
    this.watchChannel(model, publisher, "publisher");
    // From the moment it closes, publishing is known to fail: callers are refused at once.
    publisher.on("close", () => {
      if (this.publisher === publisher) this.publisher = undefined;
    });
    const started: [Channel, string][] = [];
    for (const c of this.consumers) started.push(await this.startConsumer(model, c));
    this.model = model;
    this.publisher = publisher;
    for (const [ch, tag] of started) this.consumerChannels.set(ch, tag);
  }

  /**
   * A channel can die alone (e.g. a precondition error) while the connection lives on.
   * Recovery only watches the connection, so recycle it: everything is set up again.
   */
  private watchChannel(model: ChannelModel, ch: Channel, what: string) {
    ch.on("error", (err: Error) => this.opts.logger.warn({ err: err.message, channel: what }, "channel error"));
    ch.on("close", () => {
      if (this.closing || this.model !== model) return;
      this.opts.logger.warn({ channel: what }, "channel closed; recycling connection");
      model.close().catch(() => undefined);
    });
  }

  private async startConsumer(model: ChannelModel, c: Consumer): Promise<[Channel, string]> {
    const ch = await model.createChannel();
    this.watchChannel(model, ch, c.service);
    await ch.prefetch(this.opts.prefetch);
    const queue = this.topology.queue(c.service);
    const { consumerTag } = await ch.consume(queue, (msg) => {
      if (!msg) {
        // The broker cancelled us (queue deleted or failed over): start afresh.
        if (!this.closing) model.close().catch(() => undefined);
        return;
      }
      const work = this.handle(ch, c, msg).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    return [ch, consumerTag];
  }

  private async handle(ch: Channel, c: Consumer, msg: ConsumeMessage): Promise<void> {
    const attempt = Number(msg.properties.headers?.["x-delivery-count"] ?? 0) + 1;
    const type = msg.fields.routingKey;
    const count = (outcome: string) =>
      messagesConsumed.inc({ service: this.opts.service, queue: c.service, type, outcome });
    let log = this.opts.logger.child({ queue: c.service, type, attempt });

    let event: JobEvent;
    try {
      event = JobEvent.parse(JSON.parse(msg.content.toString("utf8")));
    } catch (err) {
      // Malformed messages never get better: straight to the dead-letter queue.
      count("dead_letter");
      return this.deadLetter(ch, c, msg, `malformed event: ${(err as Error).message}`, attempt, log);
    }
    log = log.child({ jobId: event.jobId, eventId: event.eventId });
    try {
      await this.runWaitingOutOutages(c, event, { attempt, log });
      safeAck(ch, msg);
      count("ack");
    } catch (err) {
      const permanent = err instanceof AppError && !err.retryable;
      const reason = (err as Error).message;
      if (permanent || attempt >= this.opts.deliveryLimit) {
        count("dead_letter");
        log.error({ err: reason, permanent }, "giving up on message");
        const why = permanent ? reason : `gave up after ${attempt} attempts: ${reason}`;
        await c.onGiveUp?.(event, why).catch((e: Error) => log.error({ err: e.message }, "could not report the failure"));
        return this.deadLetter(ch, c, msg, reason, attempt, log);
      }
      count("retry");
      log.warn({ err: reason }, "handler failed; will retry");
      await sleep(backoffMs(attempt));
      safeNack(ch, msg, true);
    }
  }

  /**
   * Run the handler; while it fails because a dependency is down, keep the message (no
   * attempt is spent, nothing is requeued) and try again with backoff once it may be back.
   */
  private async runWaitingOutOutages(c: Consumer, event: JobEvent, ctx: DeliveryContext): Promise<void> {
    const started = Date.now();
    for (let wait = 200; ; wait = Math.min(wait * 2, 5000)) {
      try {
        return await c.handler(event, ctx);
      } catch (err) {
        if (!(err instanceof DependencyDownError) || this.closing || Date.now() - started > MAX_OUTAGE_WAIT_MS) throw err;
        ctx.log.warn({ err: err.message }, "dependency down; holding the message until it is back");
        await sleep(wait);
      }
    }
  }

  /** Copy the message, with why it failed, to the service's DLQ; ack only once confirmed. */
  private async deadLetter(ch: Channel, c: Consumer, msg: ConsumeMessage, reason: string, attempt: number, log: Logger) {
    try {
      await this.confirmPublish(this.topology.deadLetterExchange, c.service, msg.content, {
        contentType: msg.properties.contentType,
        messageId: msg.properties.messageId,
        headers: {
          ...msg.properties.headers,
          [DLQ_HEADERS.error]: reason.slice(0, 1000),
          [DLQ_HEADERS.routingKey]: msg.fields.routingKey,
          [DLQ_HEADERS.attempts]: attempt,
        },
      });
      safeAck(ch, msg);
    } catch (err) {
      // Could not park it: leave it to the broker (its delivery limit dead-letters it too).
      log.error({ err: (err as Error).message }, "dead-lettering failed; requeueing");
      safeNack(ch, msg, true);
    }
  }

  /** Publish an event and wait for the broker to confirm it is stored. */
  async publish(event: JobEvent): Promise<void> {
    const checked = JobEvent.parse(event);
    await this.confirmPublish(this.topology.exchange, checked.type, Buffer.from(JSON.stringify(checked)), {
      contentType: "application/json",
      messageId: checked.eventId,
      headers: { jobId: checked.jobId },
    });
    messagesPublished.inc({ service: this.opts.service, type: checked.type });
  }

  private confirmPublish(exchange: string, key: string, body: Buffer, props: amqp.Options.Publish): Promise<void> {
    const ch = this.publisher;
    if (!ch) return Promise.reject(new PublishError("message broker unavailable", false));
    // After a broker restart, confirms wait for the quorum queues to come back: a bound keeps
    // a publisher from hanging (the entrypoint's is short: a client is waiting).
    const timeoutMs = this.opts.confirmTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // After an event-loop stall the timer runs before the socket is read: give a confirm
        // that already arrived one turn of I/O to resolve first (then this reject is a no-op).
        setImmediate(() => reject(new PublishError("message broker did not confirm in time", true)));
      }, timeoutMs);
      try {
        ch.publish(exchange, key, body, { ...props, persistent: true }, (err) => {
          clearTimeout(timer);
          // A nack, or the channel closing before the confirm: the broker may or may not have it.
          if (err) reject(new PublishError("message broker did not confirm the message", true, err));
          else resolve();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(new PublishError("message broker unavailable", false, err));
      }
    });
  }

  /** False while the connection or the publisher channel is down: a publish would fail now. */
  isConnected(): boolean {
    return this.publisher !== undefined && !this.closing;
  }

  /** Readiness: connected, and the DLQ gauges refreshed while we are at it. */
  async check(): Promise<void> {
    const model = this.model;
    if (!model || !this.publisher) throw unavailable("message broker not connected");
    const ch = await model.createChannel();
    try {
      for (const c of this.consumers) {
        const dlq = this.topology.deadLetterQueue(c.service);
        const { messageCount } = await ch.checkQueue(dlq);
        deadLetterMessages.set({ queue: dlq }, messageCount);
      }
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Stop taking messages, let in-flight handlers finish (they ack), then disconnect. */
  async close(): Promise<void> {
    this.closing = true;
    // Every step is bounded: a broker that stops answering must not keep the process alive
    // past its grace period. What is left unacked is redelivered by the broker.
    const step = (p: Promise<unknown>) => settleWithin(p, STEP_MS);
    for (const [ch, tag] of this.consumerChannels) await step(ch.cancel(tag));
    const pending = this.inFlight.size;
    if (!(await settleWithin(Promise.allSettled([...this.inFlight]), TIMINGS.messageDrainMs))) {
      this.opts.logger.warn({ pending, unfinished: this.inFlight.size }, "handlers still running at shutdown; their messages will be redelivered");
    }
    // Close channels before the connection: amqplib may write the connection's close frame
    // ahead of acks still queued on a channel, and the broker would then requeue those.
    for (const ch of this.consumerChannels.keys()) await step(ch.close());
    if (this.publisher) await step(this.publisher.close());
    if (this.conn) await step(this.conn.close());
  }
}

const connectRecovering = (url: string, setup: (model: ChannelModel) => Promise<void>) =>
  amqp.connect(url, {
    recovery: { initialDelay: 200, maxDelay: 5000, initialMaxRetries: 20, maxRetries: Infinity, setup },
  });

// After a reconnect the old channel is gone; the broker redelivers its unacked messages.
const safeAck = (ch: Channel, msg: ConsumeMessage) => {
  try {
    ch.ack(msg);
  } catch {
    /* channel closed: the message will be redelivered, handlers are idempotent */
  }
};
const safeNack = (ch: Channel, msg: ConsumeMessage, requeue: boolean) => {
  try {
    ch.nack(msg, false, requeue);
  } catch {
    /* channel closed: redelivered anyway */
  }
};

/** One shutdown step (cancel, close) waits at most this long for the broker's answer. */
const STEP_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
