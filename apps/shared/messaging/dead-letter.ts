import type { Channel, Message, Options } from "amqplib";
import type { ServiceQueue, Topology } from "../contract";
import type { Logger } from "../logging/logger";
import type { Transport } from "./transport";

/**
 * Dead-lettering, both ways: parking a message a consumer gave up on in its queue's DLQ
 * (with why), and the copy a re-drive sends back (redrive.ts).
 */

/** Headers a dead-lettered message carries, so an operator can see why and re-drive it. */
export const DLQ_HEADERS = {
  error: "x-error",
  routingKey: "x-original-routing-key",
  attempts: "x-attempts",
  /** The re-drive run that last sent it back (a run stops when one comes round again). */
  redriveRun: "x-redrive-run",
} as const;

/** What the broker and our dead-lettering add; none of it belongs on a re-driven message. */
const DEATH_HEADERS = [
  DLQ_HEADERS.error,
  DLQ_HEADERS.attempts,
  "x-death",
  "x-first-death-exchange",
  "x-first-death-queue",
  "x-first-death-reason",
  "x-last-death-exchange",
  "x-last-death-queue",
  "x-last-death-reason",
  "x-delivery-count",
];

/**
 * The routing key (the event type) the message was first published with: kept in our
 * header once it was dead-lettered by us or re-driven, in `x-death` when the broker
 * dead-lettered it (delivery limit), else the one it arrived with.
 */
export const originalRoutingKey = (msg: Message): string => {
  const headers = msg.properties.headers ?? {};
  const death = (headers["x-death"] as { "routing-keys"?: string[] }[] | undefined)?.[0];
  return String(headers[DLQ_HEADERS.routingKey] ?? death?.["routing-keys"]?.[0] ?? msg.fields.routingKey);
};

/** Copy the message, with why it failed, to the service's DLQ; ack it only once the copy is confirmed. */
export const deadLetter = async (
  transport: Transport,
  t: Topology,
  service: ServiceQueue,
  ch: Channel,
  msg: Message,
  failure: { reason: string; attempt: number },
  log: Logger,
): Promise<void> => {
  try {
    await transport.publish(t.deadLetterExchange, service, msg.content, {
      contentType: msg.properties.contentType,
      messageId: msg.properties.messageId,
      headers: {
        ...msg.properties.headers,
        [DLQ_HEADERS.error]: failure.reason.slice(0, 1000),
        [DLQ_HEADERS.routingKey]: originalRoutingKey(msg),
        [DLQ_HEADERS.attempts]: failure.attempt,
      },
    });
    safeAck(ch, msg);
  } catch (err) {
    // Could not park it: leave it to the broker (its delivery limit dead-letters it too).
    log.error({ err: (err as Error).message }, "dead-lettering failed; requeueing");
    safeNack(ch, msg, true);
  }
};

/**
 * How a re-drive sends a dead-lettered message back: through the default exchange, whose
 * routing key is a queue name, to the one queue it failed in; the topic exchange would
 * also hand it to every other queue bound to its type (the status worker's hears all).
 * https://www.rabbitmq.com/docs/exchanges#default-exchange
 * The type stays in our header for logs and metrics; handlers read it from the body.
 */
export const redriveCopy = (t: Topology, service: ServiceQueue, msg: Message, runId: string): { exchange: string; key: string; props: Options.Publish } => {
  const headers: Record<string, unknown> = { ...msg.properties.headers, [DLQ_HEADERS.routingKey]: originalRoutingKey(msg), [DLQ_HEADERS.redriveRun]: runId };
  for (const h of DEATH_HEADERS) delete headers[h];
  return {
    exchange: "",
    key: t.queue(service),
    props: { contentType: msg.properties.contentType, messageId: msg.properties.messageId, headers, persistent: true },
  };
};

// After a reconnect the old channel is gone; the broker redelivers its unacked messages.
export const safeAck = (ch: Channel, msg: Message): void => {
  try {
    ch.ack(msg);
  } catch {
    /* channel closed: the message will be redelivered, handlers are idempotent */
  }
};
export const safeNack = (ch: Channel, msg: Message, requeue: boolean): void => {
  try {
    ch.nack(msg, false, requeue);
  } catch {
    /* channel closed: redelivered anyway */
  }
};
