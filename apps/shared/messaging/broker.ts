import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import { JobEvent, TIMINGS, topology, type ServiceQueue, type Topology } from "../contract";
import { AppError, unavailable } from "../errors/app-error";
import type { Logger } from "../logging/logger";
import { messagesConsumed, messagesPublished } from "../metrics/metrics";
import { settleWithin } from "../runtime/settle-within";
import { deadLetter, originalRoutingKey, safeAck, safeNack } from "./dead-letter";
import { refreshDeadLetterGauges } from "./dead-letter-gauges";
import { declareTopology } from "./declare-topology";
import { decide, type HandlerResult } from "./delivery-decision";
import { CLOSE_STEP_MS, Transport } from "./transport";

export { DLQ_HEADERS } from "./dead-letter";
export { PublishError } from "./transport";

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
  /** How long close() lets handlers in flight finish (default TIMINGS.messageDrainMs). */
  drainMs?: number;
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

/**
 * The services' only way to talk: publish events, consume a service queue. The connection
 * and confirms are the transport's (transport.ts), what to do with a delivery is decided
 * by a pure function (delivery-decision.ts), parking and re-driving is dead-letter.ts. This
 * keeps the consumers (re-started after every reconnect) and carries the decisions out.
 */
export class Broker {
  readonly topology: Topology;
  private readonly transport: Transport;
  private readonly consumers: Consumer[] = [];
  /** Live consumer channels and their consumer tags, to cancel on shutdown. */
  private readonly consumerChannels = new Map<Channel, string>();
  private readonly inFlight = new Set<Promise<void>>();

  private constructor(private readonly opts: BrokerOptions) {
    this.topology = topology(opts.prefix);
    this.transport = new Transport({
      url: opts.url,
      logger: opts.logger,
      confirmTimeoutMs: opts.confirmTimeoutMs,
      setup: (model) => this.setup(model),
      onDisconnect: () => this.consumerChannels.clear(),
    });
  }

  static async connect(opts: BrokerOptions): Promise<Broker> {
    const broker = new Broker(opts);
    await broker.transport.start();
    return broker;
  }

  /** Start consuming a service queue now, and again after every reconnect. */
  async consume(service: ServiceQueue, handler: EventHandler, options: ConsumeOptions = {}): Promise<void> {
    const consumer = { service, handler, ...options };
    this.consumers.push(consumer);
    const model = this.transport.model;
    if (model) {
      const [ch, tag] = await this.startConsumer(model, consumer);
      this.consumerChannels.set(ch, tag);
    }
  }

  /** Runs after every (re)connect, before publishing opens: topology, then consumers. */
  private async setup(model: ChannelModel): Promise<void> {
    const admin = await model.createChannel();
    await declareTopology(admin, this.topology, this.opts.deliveryLimit);
    await admin.close();
    const started: [Channel, string][] = [];
    for (const c of this.consumers) started.push(await this.startConsumer(model, c));
    for (const [ch, tag] of started) this.consumerChannels.set(ch, tag);
  }

  private async startConsumer(model: ChannelModel, c: Consumer): Promise<[Channel, string]> {
    const ch = await model.createChannel();
    this.transport.watch(model, ch, c.service);
    await ch.prefetch(this.opts.prefetch);
    const { consumerTag } = await ch.consume(this.topology.queue(c.service), (msg) => {
      // The broker cancelled us (queue deleted or failed over): start afresh.
      if (!msg) return this.transport.recycle(model);
      const work = this.handle(ch, c, msg).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    return [ch, consumerTag];
  }

  /** Run the handler and carry out what `decide` says, holding the message through outages. */
  private async handle(ch: Channel, c: Consumer, msg: ConsumeMessage): Promise<void> {
    const attempt = Number(msg.properties.headers?.["x-delivery-count"] ?? 0) + 1;
    const parsed = parseEvent(msg);
    const event = parsed instanceof AppError ? undefined : parsed;
    const type = event?.type ?? originalRoutingKey(msg);
    const count = (outcome: string) => messagesConsumed.inc({ service: this.opts.service, queue: c.service, type, outcome });
    let log = this.opts.logger.child({ queue: c.service, type, attempt });
    if (event) log = log.child({ jobId: event.jobId, eventId: event.eventId });

    const heldSince = Date.now();
    for (let holds = 0; ; holds++) {
      const result: HandlerResult = event ? await run(c.handler, event, { attempt, log }) : { ok: false, error: parsed };
      const d = decide({ result, attempt, deliveryLimit: this.opts.deliveryLimit, closing: this.transport.isClosing, holds, heldForMs: Date.now() - heldSince });
      switch (d.action) {
        case "ack":
          safeAck(ch, msg);
          return count("ack");
        case "hold":
          log.warn({ err: errorMessage(result) }, "dependency down; holding the message until it is back");
          await sleep(d.afterMs);
          continue;
        case "retry":
          count("retry");
          log.warn({ err: errorMessage(result) }, "handler failed; will retry");
          await sleep(d.afterMs);
          return safeNack(ch, msg, true);
        case "dead-letter":
          count("dead_letter");
          log.error({ err: d.reason }, "giving up on message");
          if (event) await c.onGiveUp?.(event, d.report).catch((e: Error) => log.error({ err: e.message }, "could not report the failure"));
          return deadLetter(this.transport, this.topology, c.service, ch, msg, { reason: d.reason, attempt }, log);
      }
    }
  }

  /** Publish an event and wait for the broker to confirm it is stored. */
  async publish(event: JobEvent): Promise<void> {
    const checked = JobEvent.parse(event);
    await this.transport.publish(this.topology.exchange, checked.type, Buffer.from(JSON.stringify(checked)), {
      contentType: "application/json",
      messageId: checked.eventId,
      headers: { jobId: checked.jobId },
    });
    messagesPublished.inc({ service: this.opts.service, type: checked.type });
  }

  /** False while the connection or the publisher channel is down: a publish would fail now. */
  isConnected(): boolean {
    return this.transport.connected && !this.transport.isClosing;
  }

  /** Readiness: connected, and the DLQ gauges refreshed while we are at it. */
  async check(): Promise<void> {
    const model = this.transport.model;
    if (!model || !this.transport.connected) throw unavailable("message broker not connected");
    await refreshDeadLetterGauges(model, this.topology, new Set(this.consumers.map((c) => c.service)));
  }

  /** Stop taking messages, let in-flight handlers finish (they ack), then disconnect. */
  async close(): Promise<void> {
    this.transport.beginClose();
    // Every step is bounded: a broker that stops answering must not keep the process alive
    // past its grace period. What is left unacked is redelivered by the broker.
    const step = (p: Promise<unknown>) => settleWithin(p, CLOSE_STEP_MS);
    for (const [ch, tag] of this.consumerChannels) await step(ch.cancel(tag));
    const pending = this.inFlight.size;
    if (!(await settleWithin(Promise.allSettled([...this.inFlight]), this.opts.drainMs ?? TIMINGS.messageDrainMs))) {
      this.opts.logger.warn({ pending, unfinished: this.inFlight.size }, "handlers still running at shutdown; their messages will be redelivered");
    }
    // Close channels before the connection: amqplib may write the connection's close frame
    // ahead of acks still queued on a channel, and the broker would then requeue those.
    for (const ch of this.consumerChannels.keys()) await step(ch.close());
    await this.transport.close();
  }
}

/** Malformed messages never get better: refused for good, the handler never sees them. */
const parseEvent = (msg: ConsumeMessage): JobEvent | AppError => {
  try {
    return JobEvent.parse(JSON.parse(msg.content.toString("utf8")));
  } catch (err) {
    return new AppError(`malformed event: ${(err as Error).message}`, { retryable: false });
  }
};
const run = async (handler: EventHandler, event: JobEvent, ctx: DeliveryContext): Promise<HandlerResult> => {
  try {
    await handler(event, ctx);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
};
const errorMessage = (r: HandlerResult) => (r.ok ? undefined : r.error instanceof Error ? r.error.message : String(r.error));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
