import { randomUUID } from "node:crypto";
import amqp, { type Message } from "amqplib";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { topology, type EventOf, type JobEvent } from "../../apps/shared/contract";
import { AppError } from "../../apps/shared/errors/app-error";
import { Broker, DLQ_HEADERS } from "../../apps/shared/messaging/broker";
import { redriveCopy } from "../../apps/shared/messaging/dead-letter";
import { redrive } from "../../apps/shared/messaging/redrive";
import { AMQP_URL, removeBrokerObjects, uniquePrefix } from "../support/test-stack";

const logger = pino({ level: "silent" });
const prefixes: string[] = [];
const brokers: Broker[] = [];
afterAll(async () => {
  for (const b of brokers) await b.close();
  for (const p of prefixes) await removeBrokerObjects(p);
});
const open = async () => {
  const prefix = uniquePrefix("rdr");
  prefixes.push(prefix);
  const broker = await Broker.connect({ url: AMQP_URL, prefix, prefetch: 4, deliveryLimit: 5, service: "test", logger });
  brokers.push(broker);
  return { broker, prefix, t: topology(prefix) };
};

const submitted = (): EventOf<"job.submitted"> => {
  const jobId = randomUUID();
  return { type: "job.submitted", eventId: randomUUID(), jobId, tenant: "default", at: new Date().toISOString(), namespace: `job-${jobId}`, submissionKey: `jobs/${jobId}/submission.json`, files: [] };
};

/** One raw channel for looking into queues; closed after `use`. */
const withChannel = async <T>(use: (ch: amqp.Channel) => Promise<T>): Promise<T> => {
  const conn = await amqp.connect(AMQP_URL);
  try {
    return await use(await conn.createChannel());
  } finally {
    await conn.close();
  }
};
/** The next message of a queue, waiting for it until a deadline. */
const nextIn = (queue: string, waitMs = 8000) =>
  withChannel(async (ch) => {
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const msg = await ch.get(queue, { noAck: true });
      if (msg) return msg;
    }
    throw new Error(`nothing reached ${queue}`);
  });
/** Wait until a queue counts `n` messages (leaving them there). */
const waitForCount = (queue: string, n: number, waitMs = 8000) =>
  withChannel(async (ch) => {
    for (const deadline = Date.now() + waitMs; (await ch.checkQueue(queue)).messageCount < n; await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error(`${queue} never held ${n} messages`);
    }
  });
/** Whether a queue holds a message now (basic.get: a quorum queue's declare-ok count lags). */
const holdsMessage = (queue: string) => withChannel(async (ch) => (await ch.get(queue, { noAck: true })) !== false);

describe("DLQ re-drive on a real RabbitMQ", () => {
  it("When a dead-lettered job.submitted is re-driven, then only the yaml-manager queue gets it again, with its type kept", async () => {
    const { broker, prefix, t } = await open();
    const seen: [string, number][] = [];
    await broker.consume("yaml-manager", async (e, { attempt }) => {
      seen.push([e.eventId, attempt]);
      throw new AppError("not for me", { retryable: false });
    });
    const event = submitted();
    await broker.publish(event);
    await waitForCount(t.deadLetterQueue("yaml-manager"), 1);
    // The status worker's queue hears every type: the first publish reached it too (taken off here).
    expect(await holdsMessage(t.queue("status-worker"))).toBe(true);

    expect(await redrive({ url: AMQP_URL, prefix, service: "yaml-manager" })).toBe(1);
    const again = await nextIn(t.deadLetterQueue("yaml-manager"));
    expect(seen).toEqual([
      [event.eventId, 1],
      [event.eventId, 1],
    ]);
    // Dead-lettered a second time, it still names the event type, not the queue it came back through.
    expect(again.properties.headers).toMatchObject({ [DLQ_HEADERS.routingKey]: "job.submitted", [DLQ_HEADERS.attempts]: 1 });
    for (const other of ["status-worker", "cluster-applier", "cluster-applier-rollback"] as const) {
      expect({ queue: other, holds: await holdsMessage(t.queue(other)) }).toEqual({ queue: other, holds: false });
    }
  });

  it("When the queue to re-drive to is gone, then the re-drive fails and the message stays in the DLQ", async () => {
    const { prefix, t } = await open();
    const body = Buffer.from(JSON.stringify(submitted() satisfies JobEvent));
    await withChannel(async (ch) => {
      ch.publish(t.deadLetterExchange, "yaml-manager", body, { persistent: true, headers: { [DLQ_HEADERS.routingKey]: "job.submitted" } });
      await ch.deleteQueue(t.queue("yaml-manager"));
    });
    await expect(redrive({ url: AMQP_URL, prefix, service: "yaml-manager" })).rejects.toThrow(/does not exist/);
    const kept = await nextIn(t.deadLetterQueue("yaml-manager"));
    expect(kept.content.equals(body)).toBe(true);
  });

  it("When the prefix names no dead-letter queue, then the re-drive fails saying what to check", async () => {
    await expect(redrive({ url: AMQP_URL, prefix: uniquePrefix("none"), service: "yaml-manager" })).rejects.toThrow(/no dead-letter queue .*check NAME_PREFIX/);
  });

  it("When a maximum is given, then only that many go back, in order, and the rest stay in the DLQ", async () => {
    const { prefix, t } = await open();
    const events = [submitted(), submitted(), submitted()];
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createConfirmChannel();
    for (const e of events) ch.publish(t.deadLetterExchange, "yaml-manager", Buffer.from(JSON.stringify(e)), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    expect(await redrive({ url: AMQP_URL, prefix, service: "yaml-manager", max: 2 })).toBe(2);
    const ids = async (queue: string) => JSON.parse((await nextIn(queue)).content.toString()).eventId as string;
    expect([await ids(t.queue("yaml-manager")), await ids(t.queue("yaml-manager"))]).toEqual([events[0]!.eventId, events[1]!.eventId]);
    expect(await ids(t.deadLetterQueue("yaml-manager"))).toBe(events[2]!.eventId);
    expect(await holdsMessage(t.queue("yaml-manager"))).toBe(false);
  });

  it("When the broker dead-lettered a message (delivery limit), then its re-drive copy goes to its queue with the type from x-death", () => {
    const t = topology("p");
    const msg = {
      content: Buffer.from("{}"),
      fields: { routingKey: "status-worker", exchange: "p.jobs.dlx" },
      properties: {
        contentType: "application/json",
        messageId: "m1",
        headers: { jobId: "j", "x-death": [{ "routing-keys": ["job.applied"], queue: "p.status-worker" }], "x-first-death-queue": "p.status-worker", "x-delivery-count": 5 },
      },
    } as unknown as Message;
    expect(redriveCopy(t, "status-worker", msg, "run-1")).toEqual({
      exchange: "",
      key: "p.status-worker",
      props: { contentType: "application/json", messageId: "m1", persistent: true, headers: { jobId: "j", [DLQ_HEADERS.routingKey]: "job.applied", [DLQ_HEADERS.redriveRun]: "run-1" } },
    });
  });
});
