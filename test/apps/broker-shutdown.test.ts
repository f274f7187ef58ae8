import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { JobEvent } from "../../apps/shared/contract";
import { Broker } from "../../apps/shared/messaging/broker";
import { AMQP_URL, removeBrokerObjects, uniquePrefix } from "../support/test-stack";

const logger = pino({ level: "silent" });
const prefix = uniquePrefix("brk-stop");
afterAll(async () => removeBrokerObjects(prefix));

describe("a broker client shutting down with a handler that never finishes", () => {
  it("When close() is called, then it returns after the drain bound and the unfinished message is redelivered to the next consumer", async () => {
    const event: JobEvent = { type: "job.deleted", eventId: randomUUID(), jobId: randomUUID(), tenant: "default", at: new Date().toISOString() };
    const stuck = await Broker.connect({ url: AMQP_URL, prefix, prefetch: 1, deliveryLimit: 5, service: "test", logger, drainMs: 300 });
    let started!: () => void;
    const handling = new Promise<void>((r) => (started = r));
    await stuck.consume("status-worker", async () => {
      started();
      await new Promise(() => undefined); // a handler stuck on a dependency that never answers
    });
    await stuck.publish(event);
    await handling;
    await stuck.close(); // would never return without the bound

    const next = await Broker.connect({ url: AMQP_URL, prefix, prefetch: 1, deliveryLimit: 5, service: "test", logger });
    try {
      const redelivered = new Promise<[JobEvent, number]>((r) => void next.consume("status-worker", async (e, { attempt }) => r([e, attempt])));
      const [again, attempt] = await redelivered;
      expect(again.eventId).toBe(event.eventId);
      expect(attempt).toBe(2);
    } finally {
      await next.close();
    }
  }, 30_000);
});
