import { randomUUID } from "node:crypto";
import amqp, { type GetMessage } from "amqplib";
import { topology, type ServiceQueue } from "../contract";
import { DLQ_HEADERS, redriveCopy } from "./dead-letter";

/** Messages sent back per wait for the broker's confirms (locally: 17/s one at a time, 155/s in batches of 100). */
const BATCH = 100;

/**
 * Move dead-lettered messages back to the queue they failed in (and only that queue), once
 * the cause is fixed. A message is acked from the DLQ only after the broker confirmed its
 * copy, so a crash mid-way loses nothing (at worst a batch repeats; handlers are
 * idempotent). A message that fails again comes back to the DLQ while the run goes on:
 * meeting one it sent itself ends the run (the message stays), so a cause not yet fixed
 * cannot make it loop.
 */
export const redrive = async (opts: { url: string; prefix: string; service: ServiceQueue; max?: number }): Promise<number> => {
  const t = topology(opts.prefix);
  const dlq = t.deadLetterQueue(opts.service);
  const max = opts.max ?? Infinity;
  const conn = await amqp.connect(opts.url);
  // A refused operation rejects its promise, which is where it is handled; the same error is
  // also emitted as an event, which must not crash the process.
  conn.on("error", () => undefined);
  try {
    const ch = await conn.createConfirmChannel();
    ch.on("error", () => undefined);
    await ch.checkQueue(dlq).catch((err: Error) => {
      throw new Error(`no dead-letter queue ${dlq} (${err.message}): check NAME_PREFIX and the queue name`);
    });
    // An unroutable mandatory message comes back (basic.return) before its confirm, which
    // still arrives: https://www.rabbitmq.com/docs/confirms#when-publishes-are-confirmed
    let returned = false;
    ch.on("return", () => (returned = true));
    const runId = randomUUID();
    let moved = 0;
    for (let done = false; !done && moved < max; ) {
      const batch: GetMessage[] = [];
      let ownCopy: GetMessage | undefined;
      while (batch.length < BATCH && moved + batch.length < max) {
        const msg = await ch.get(dlq, { noAck: false });
        if (!msg || msg.properties.headers?.[DLQ_HEADERS.redriveRun] === runId) {
          ownCopy = msg || undefined;
          done = true;
          break;
        }
        batch.push(msg);
      }
      for (const msg of batch) {
        const { exchange, key, props } = redriveCopy(t, opts.service, msg, runId);
        // mandatory: if the queue is gone the broker returns the copy instead of dropping it.
        ch.publish(exchange, key, msg.content, { ...props, mandatory: true });
      }
      // Our own copy goes back to the DLQ as it is. Not a nack: quorum queues count those
      // against their delivery limit (20 by default since RabbitMQ 4.0), and the DLQ has
      // nowhere to send a message past it: https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling
      if (ownCopy) ch.publish(t.deadLetterExchange, opts.service, ownCopy.content, { ...ownCopy.properties, persistent: true });
      await ch.waitForConfirms();
      // Nothing acked: on disconnect every message of the batch goes back to the DLQ.
      if (returned) throw new Error(`queue ${t.queue(opts.service)} does not exist: start its service (it declares the queue), then re-drive again`);
      for (const msg of batch) ch.ack(msg);
      if (ownCopy) ch.ack(ownCopy);
      moved += batch.length;
    }
    await ch.close();
    return moved;
  } finally {
    await conn.close().catch(() => undefined);
  }
};
