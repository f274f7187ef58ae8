import amqp from "amqplib";
import { topology } from "../apps/shared/contract";
import { declareTopology } from "../apps/shared/messaging/declare-topology";

/**
 * The raw broker ceiling: publish-with-confirm into one of our quorum queues while a
 * consumer with the services' prefetch acks each message. Messages per second.
 */
export const measureBrokerCeiling = async (opts: { url: string; prefix: string; messages: number; prefetch: number; bytes: number }) => {
  const t = topology(opts.prefix);
  const conn = await amqp.connect(opts.url);
  const admin = await conn.createChannel();
  await declareTopology(admin, t, 5);
  const queue = t.queue("yaml-manager");
  const body = Buffer.alloc(opts.bytes, "x");

  const consumer = await conn.createChannel();
  await consumer.prefetch(opts.prefetch);
  let received = 0;
  let done!: () => void;
  const allReceived = new Promise<void>((r) => (done = r));
  await consumer.consume(queue, (msg) => {
    if (!msg) return;
    consumer.ack(msg);
    if (++received === opts.messages) done();
  });

  const publisher = await conn.createConfirmChannel();
  const started = process.hrtime.bigint();
  // Publish in windows of confirms, as the services do (each publish awaits its confirm,
  // many requests in parallel).
  const window = 256;
  for (let sent = 0; sent < opts.messages; sent += window) {
    const n = Math.min(window, opts.messages - sent);
    await Promise.all(
      Array.from({ length: n }, () => new Promise<void>((res, rej) => publisher.publish(t.exchange, "job.submitted", body, { persistent: true }, (err) => (err ? rej(err) : res())))),
    );
  }
  await allReceived;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await consumer.close();
  await publisher.close();
  await admin.purgeQueue(t.queue("status-worker"));
  await conn.close();
  return { messages: opts.messages, seconds, perSecond: opts.messages / seconds };
};
