import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { JobEvent } from "../../apps/shared/contract";
import { AppError } from "../../apps/shared/errors/app-error";
import { Broker, DLQ_HEADERS, type EventHandler } from "../../apps/shared/messaging/broker";
import { redrive } from "../../apps/shared/messaging/redrive";
import { AMQP_URL, removeBrokerObjects, uniquePrefix } from "../support/test-stack";

const logger = pino({ level: "silent" });
const prefixes: string[] = [];
const brokers: Broker[] = [];

const open = async (deliveryLimit = 3) => {
  const prefix = uniquePrefix("brk");
  prefixes.push(prefix);
  const broker = await Broker.connect({ url: AMQP_URL, prefix, prefetch: 4, deliveryLimit, service: "test", logger });
  brokers.push(broker);
  return broker;
};

afterAll(async () => {
  for (const b of brokers) await b.close();
  for (const p of prefixes) await removeBrokerObjects(p);
});

const deleted = (): JobEvent => ({ type: "job.deleted", eventId: randomUUID(), jobId: randomUUID(), tenant: "default", at: new Date().toISOString() });

/** Resolves with what the handler saw once `done(event, attempt)` says so; rejects after a timeout. */
const recorder = (done: (e: JobEvent, attempt: number) => boolean, fail?: (attempt: number) => Error | undefined) => {
  const seen: [string, number][] = [];
  let resolve!: () => void;
  const finished = new Promise<void>((r) => (resolve = r));
  const handler: EventHandler = async (e, { attempt }) => {
    seen.push([e.eventId, attempt]);
    const err = fail?.(attempt);
    if (err) throw err;
    if (done(e, attempt)) resolve();
  };
  return { seen, handler, finished: () => Promise.race([finished, timeout(8000)]) };
};
const timeout = (ms: number) => new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms));

const getDlq = async (prefix: string, queue: string, waitMs = 8000) => {
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  const deadline = Date.now() + waitMs;
  try {
    while (Date.now() < deadline) {
      const msg = await ch.get(`${prefix}.${queue}.dlq`, { noAck: true });
      if (msg) return msg;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("nothing reached the dead-letter queue");
  } finally {
    await conn.close();
  }
};

describe("broker on a real RabbitMQ", () => {
  it("When an event is published, then the bound consumer gets it once, on its first attempt", async () => {
    const broker = await open();
    const event = deleted();
    const r = recorder((e) => e.eventId === event.eventId);
    await broker.consume("cluster-applier-rollback", r.handler);
    await broker.publish(event);
    await r.finished();
    expect(r.seen).toEqual([[event.eventId, 1]]);
  });

  it("When a handler fails transiently, then the message is redelivered and succeeds on a later attempt", async () => {
    const broker = await open(5);
    const event = deleted();
    const r = recorder(
      (_e, attempt) => attempt === 3,
      (attempt) => (attempt < 3 ? new Error("database hiccup") : undefined),
    );
    await broker.consume("cluster-applier-rollback", r.handler);
    await broker.publish(event);
    await r.finished();
    expect(r.seen.map(([, a]) => a)).toEqual([1, 2, 3]);
  });

  it("When a handler always fails, then after the delivery limit the message sits in the DLQ with the reason", async () => {
    const broker = await open(3);
    const r = recorder(() => false, () => new Error("cannot reach the cluster"));
    const gaveUp: [string, string][] = [];
    await broker.consume("cluster-applier-rollback", r.handler, { onGiveUp: async (e, reason) => void gaveUp.push([e.eventId, reason]) });
    const event = deleted();
    await broker.publish(event);
    const dead = await getDlq(prefixes.at(-1)!, "cluster-applier-rollback");
    expect(JSON.parse(dead.content.toString()).eventId).toBe(event.eventId);
    expect(dead.properties.headers).toMatchObject({
      [DLQ_HEADERS.error]: "cannot reach the cluster",
      [DLQ_HEADERS.routingKey]: "job.deleted",
      [DLQ_HEADERS.attempts]: 3,
    });
    expect(r.seen.map(([, a]) => a)).toEqual([1, 2, 3]);
    expect(gaveUp).toEqual([[event.eventId, "gave up after 3 attempts: cannot reach the cluster"]]);
  });

  it("When a poisoned (malformed) message arrives, then it goes straight to the DLQ without reaching the handler", async () => {
    const broker = await open();
    const prefix = prefixes.at(-1)!;
    const r = recorder(() => true);
    await broker.consume("yaml-manager", r.handler);
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createConfirmChannel();
    ch.publish(`${prefix}.jobs`, "job.submitted", Buffer.from("{not json"), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    const dead = await getDlq(prefix, "yaml-manager");
    expect(String(dead.properties.headers?.[DLQ_HEADERS.error])).toMatch(/^malformed event/);
    expect(r.seen).toEqual([]);
  });

  it("When a handler refuses a message for good, then it is dead-lettered at once, and a re-drive brings it back", async () => {
    const broker = await open(5);
    const prefix = prefixes.at(-1)!;
    let refuse = true;
    const r = recorder(
      () => !refuse,
      () => (refuse ? new AppError("not for me", { retryable: false }) : undefined),
    );
    await broker.consume("cluster-applier-rollback", r.handler);
    const event = deleted();
    await broker.publish(event);
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    const dlq = `${prefix}.cluster-applier-rollback.dlq`;
    const deadline = Date.now() + 8000;
    while ((await ch.checkQueue(dlq)).messageCount === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    await conn.close();
    expect(r.seen).toEqual([[event.eventId, 1]]);

    refuse = false;
    expect(await redrive({ url: AMQP_URL, prefix, service: "cluster-applier-rollback" })).toBe(1);
    await r.finished();
    expect(r.seen.map(([id]) => id)).toEqual([event.eventId, event.eventId]);
  });

  it("When the broker cancels the consumer (its queue is deleted), then the broker reconnects and consumes again", async () => {
    const broker = await open();
    const prefix = prefixes.at(-1)!;
    const r = recorder((e, _a) => e.type === "job.deleted");
    await broker.consume("cluster-applier-rollback", r.handler);
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    await ch.deleteQueue(`${prefix}.cluster-applier-rollback`);
    await conn.close();
    // While it reconnects, publishing fails fast or finds no queue yet: keep sending
    // fresh events until one arrives through the re-created consumer.
    const deadline = Date.now() + 10_000;
    while (!r.seen.length) {
      if (Date.now() > deadline) throw new Error("broker did not recover");
      await broker.publish(deleted()).catch(() => undefined);
      await new Promise((res) => setTimeout(res, 100));
    }
    await r.finished();
    expect(broker.isConnected()).toBe(true);
  });

  it("When the broker is closed with a message in flight, then the handler finishes and acks before the connection goes", async () => {
    const broker = await open();
    const prefix = prefixes.at(-1)!;
    let finished = false;
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    await broker.consume("cluster-applier-rollback", async () => {
      started();
      await new Promise((r) => setTimeout(r, 300));
      finished = true;
    });
    await broker.publish(deleted());
    await isStarted;
    await broker.close();
    expect(finished).toBe(true);
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    // Unacked, the message would be back in the queue once the connection closed.
    // (A quorum queue's declare-ok count lags, so look with basic.get instead.)
    const left = await ch.get(`${prefix}.cluster-applier-rollback`, { noAck: true });
    await conn.close();
    expect(left).toBe(false);
  });
});
