import amqp from "amqplib";
import { topology, type ServiceQueue } from "../contract";
import { DLQ_HEADERS } from "./broker";

/**
 * Move dead-lettered messages back to the jobs exchange with their original routing key,
 * once the cause is fixed. Each message is acked from the DLQ only after the broker
 * confirmed its re-publication, so a crash mid-way loses nothing (at worst one repeats).
 */
export const redrive = async (opts: { url: string; prefix: string; service: ServiceQueue; max?: number }): Promise<number> => {
  const t = topology(opts.prefix);
  const conn = await amqp.connect(opts.url);
  try {
    const ch = await conn.createConfirmChannel();
    let moved = 0;
    while (moved < (opts.max ?? Infinity)) {
      const msg = await ch.get(t.deadLetterQueue(opts.service), { noAck: false });
      if (!msg) break;
      const headers = { ...msg.properties.headers };
      // Broker dead-lettering keeps the key in x-death; ours in x-original-routing-key.
      const death = (headers["x-death"] as { "routing-keys"?: string[] }[] | undefined)?.[0];
      const key = String(headers[DLQ_HEADERS.routingKey] ?? death?.["routing-keys"]?.[0] ?? "");
      for (const h of [...Object.values(DLQ_HEADERS), "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason", "x-delivery-count"]) delete headers[h];
      ch.publish(t.exchange, key, msg.content, {
        contentType: msg.properties.contentType,
        messageId: msg.properties.messageId,
        headers,
        persistent: true,
      });
      await ch.waitForConfirms();
      ch.ack(msg);
      moved++;
    }
    await ch.close();
    return moved;
  } finally {
    await conn.close().catch(() => undefined);
  }
};
