import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type RecoveringChannelModel } from "amqplib";
import { AppError } from "../errors/app-error";
import type { Logger } from "../logging/logger";
import { backoffMs } from "../runtime/backoff";
import { settleWithin } from "../runtime/settle-within";

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

export interface TransportOptions {
  url: string;
  logger: Logger;
  /** How long a publish may wait for the broker's confirm before it counts as uncertain (default 10 s). */
  confirmTimeoutMs?: number;
  /** Runs after every (re)connect, before publishing is open: topology, consumers. */
  setup(model: ChannelModel): Promise<void>;
  /** The connection is gone: every channel on it with it. */
  onDisconnect?(): void;
}

/** Between reconnect attempts; the jitter spreads the replicas of a service out after a broker restart. */
const RECONNECT_BACKOFF = { firstMs: 200, maxMs: 5000, jitter: 0.2 };
/** One shutdown step (cancel, close) waits at most this long for the broker's answer. */
export const CLOSE_STEP_MS = 2000;

/**
 * The connection to RabbitMQ and the confirm channel publishes go through. amqplib recovers
 * the connection, not what was on it: `setup` re-creates that after every reconnect, and a
 * channel that dies alone recycles the connection so that it runs again.
 */
export class Transport {
  private conn?: RecoveringChannelModel;
  private current?: ChannelModel;
  private publisher?: ConfirmChannel;
  private closing = false;

  constructor(private readonly opts: TransportOptions) {}

  /** Connect (retrying, then recovering for good) and run `setup` on the connection. */
  async start(): Promise<void> {
    this.conn = await amqp.connect(this.opts.url, {
      recovery: {
        initialMaxRetries: 20,
        maxRetries: Infinity,
        calculateDelay: (attempt: number) => backoffMs(RECONNECT_BACKOFF, attempt),
        setup: (model: ChannelModel) => this.setup(model),
      },
    });
    this.conn.on("disconnect", (err: Error) => {
      this.current = undefined;
      this.publisher = undefined;
      this.opts.onDisconnect?.();
      if (!this.closing) this.opts.logger.warn({ err: err.message }, "broker connection lost; reconnecting");
    });
    this.conn.on("connect", () => this.opts.logger.info("broker connected"));
    this.conn.on("error", (err: Error) => this.opts.logger.warn({ err: err.message }, "broker error"));
  }

  private async setup(model: ChannelModel): Promise<void> {
    const publisher = await model.createConfirmChannel();
    this.watch(model, publisher, "publisher");
    // From the moment it closes, publishing is known to fail: callers are refused at once.
    publisher.on("close", () => {
      if (this.publisher === publisher) this.publisher = undefined;
    });
    await this.opts.setup(model);
    this.current = model;
    this.publisher = publisher;
  }

  /** The live connection's channel factory; undefined while (re)connecting. */
  get model(): ChannelModel | undefined {
    return this.current;
  }

  /** The publisher channel is open (set up and not closed). */
  get connected(): boolean {
    return this.publisher !== undefined;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /**
   * A channel can die alone (e.g. a precondition error) while the connection lives on.
   * Recovery only watches the connection, so recycle it: everything is set up again.
   */
  watch(model: ChannelModel, ch: Channel, what: string): void {
    ch.on("error", (err: Error) => this.opts.logger.warn({ err: err.message, channel: what }, "channel error"));
    ch.on("close", () => {
      if (this.closing || this.current !== model) return;
      this.opts.logger.warn({ channel: what }, "channel closed; recycling connection");
      this.recycle(model);
    });
  }

  /** Close the connection so that recovery sets everything up again (not while shutting down). */
  recycle(model: ChannelModel): void {
    if (!this.closing) model.close().catch(() => undefined);
  }

  /** Publish and wait for the broker to confirm it stored the message. */
  publish(exchange: string, key: string, body: Buffer, props: amqp.Options.Publish): Promise<void> {
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

  /** From now on a closed channel is expected: nothing is recycled, publishing is refused. */
  beginClose(): void {
    this.closing = true;
  }

  /** Close the publisher, then the connection; each step bounded (what is unacked is redelivered). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.publisher) await settleWithin(this.publisher.close(), CLOSE_STEP_MS);
    if (this.conn) await settleWithin(this.conn.close(), CLOSE_STEP_MS);
  }
}
