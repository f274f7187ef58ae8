import type { ChannelModel } from "amqplib";
import type { ServiceQueue, Topology } from "../contract";
import { deadLetterMessages } from "../metrics/metrics";

/**
 * Refresh the `dead_letter_messages` gauge of the given services' DLQs (on every readiness
 * probe: what waits there is visible without a separate poller). Fails like the broker does.
 */
export const refreshDeadLetterGauges = async (model: ChannelModel, t: Topology, services: Iterable<ServiceQueue>): Promise<void> => {
  const ch = await model.createChannel();
  try {
    for (const service of services) {
      const dlq = t.deadLetterQueue(service);
      const { messageCount } = await ch.checkQueue(dlq);
      deadLetterMessages.set({ queue: dlq }, messageCount);
    }
  } finally {
    await ch.close().catch(() => undefined);
  }
};
