import type { Channel } from "amqplib";
import { BINDINGS, SERVICE_QUEUES, queueArguments, type Topology } from "../contract";

/**
 * Declare the whole topology, not only the caller's queue: a publisher that starts before
 * its consumers must still find every queue bound, or the broker drops its messages.
 * Declarations are idempotent, so every service (and every reconnect) runs this.
 */
export const declareTopology = async (ch: Channel, t: Topology, deliveryLimit: number) => {
  await ch.assertExchange(t.exchange, "topic", { durable: true });
  await ch.assertExchange(t.deadLetterExchange, "direct", { durable: true });
  for (const service of SERVICE_QUEUES) {
    const dlq = t.deadLetterQueue(service);
    await ch.assertQueue(dlq, { durable: true, arguments: { "x-queue-type": "quorum" } });
    await ch.bindQueue(dlq, t.deadLetterExchange, service);
    const q = t.queue(service);
    await ch.assertQueue(q, { durable: true, arguments: queueArguments(t, service, deliveryLimit) });
    for (const key of BINDINGS[service]) await ch.bindQueue(q, t.exchange, key);
  }
};
