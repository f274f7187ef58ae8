import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import { topology, type ServiceQueue } from "../contract";
import { DLQ_HEADERS, redriveCopy } from "./dead-letter";

/**
 * Move dead-lettered messages back to the queue they failed in (and only that queue), once
 * the cause is fixed. Each message is acked from the DLQ only after the broker confirmed
 * its re-publication, so a crash mid-way loses nothing (at worst one repeats). A message
 * that fails again comes back to the DLQ while the run goes on: meeting one it sent itself
 * ends the run (the message stays), so a cause not yet fixed cannot make it loop.
 */
export const redrive = async (opts: { url: string; prefix: string; service: ServiceQueue; max?: number }): Promise<number> => {
  const t = topology(opts.prefix);
  const conn = await amqp.connect(opts.url);
  try {
    const ch = await conn.createConfirmChannel();
    // An unroutable mandatory message comes back (basic.return) before its confirm, which
    // still arrives: https://www.rabbitmq.com/docs/confirms#when-publishes-are-confirmed
    let returned = false;
    ch.on("return", () => (returned = true));
    const runId = randomUUID();
    let moved = 0;
    while (moved < (opts.max ?? Infinity)) {
      const msg = await ch.get(t.deadLetterQueue(opts.service), { noAck: false });
      if (!msg) break;
      if (msg.properties.headers?.[DLQ_HEADERS.redriveRun] === runId) {
        // Back to the DLQ as it is, then stop. Not a nack: quorum queues count those against
        // their delivery limit (20 by default since RabbitMQ 4.0), and the DLQ has nowhere to
        // send a message past it: https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling
        ch.publish(t.deadLetterExchange, opts.service, msg.content, { ...msg.properties, persistent: true });
        await ch.waitForConfirms();
        ch.ack(msg);
        break;
      }
      const { exchange, key, props } = redriveCopy(t, opts.service, msg, runId);
      // mandatory: if the queue is gone the broker returns the copy instead of dropping it;
      // the message then stays in the DLQ (unacked, it goes back when we disconnect).
      returned = false;
      ch.publish(exchange, key, msg.content, { ...props, mandatory: true });
      await ch.waitForConfirms();
      if (returned) throw new Error(`queue ${key} does not exist: start its service (it declares the queue), then re-drive again`);
      ch.ack(msg);
      moved++;
    }
    await ch.close();
    return moved;
  } finally {
    await conn.close().catch(() => undefined);
  }
};
