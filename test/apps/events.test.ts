import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobEvent } from "../../apps/shared/contract";
import { Broker } from "../../apps/shared/messaging/broker";
import { AMQP_URL, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let stack: TestStack;
let broker: Broker;

beforeAll(async () => {
  stack = await startTestStack({}, ["status-worker"]);
  broker = await Broker.connect({ url: AMQP_URL, prefix: stack.prefix, prefetch: 1, deliveryLimit: 5, service: "test", logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await broker?.close();
  await stack?.cleanup();
});

const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, s)).toISOString();

describe("the status worker under redelivered and out-of-order events (real broker)", () => {
  it("When events arrive late, early and twice, then the status ends at the furthest one and history has each status once", async () => {
    const jobId = randomUUID();
    const e = (type: JobEvent["type"], s: number, extra: object = {}) => ({ type, jobId, eventId: randomUUID(), at: at(s), ...extra }) as JobEvent;
    const resources = [{ apiVersion: "v1", kind: "ConfigMap", namespace: `job-${jobId}`, name: "a" }];
    const events = [
      e("job.applied", 3, { target: "dry-run", resources }),
      e("job.submitted", 1, { namespace: `job-${jobId}`, submissionKey: "k", files: [] }),
      e("job.applied", 3, { target: "dry-run", resources }), // redelivered
      e("job.validated", 2, { manifestsKey: "k", resources }),
      e("job.rolled_back", 5, { target: "dry-run" }),
      e("job.deleted", 4),
      e("job.validated", 2, { manifestsKey: "k", resources }), // redelivered, very late
    ];
    for (const ev of events) await broker.publish(ev);
    const job = await waitForStatus(stack.url, jobId, ["ROLLED_BACK"]);
    // The last event is handled in order after the others (prefetch applies per queue, FIFO):
    // wait for it by checking the history is complete.
    const deadline = Date.now() + 5000;
    let final = job;
    while (final.history.length < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      final = (await (await fetch(`${stack.url}/jobs/${jobId}`)).json()) as typeof job;
    }
    expect(final.status).toBe("ROLLED_BACK");
    expect(final.history).toEqual([
      { status: "PENDING", at: at(1) },
      { status: "APPLYING_IN_CLUSTER", at: at(2) },
      { status: "DONE", at: at(3) },
      { status: "ROLLING_BACK", at: at(4) },
      { status: "ROLLED_BACK", at: at(5) },
    ]);
    expect(final.resources).toEqual(resources);
  });

  it("When a poison message reaches the status worker, then it lands in the DLQ and /metrics shows it", async () => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createConfirmChannel();
    ch.publish(`${stack.prefix}.jobs`, "job.applied", Buffer.from(JSON.stringify({ type: "job.applied", jobId: "nope" })), { persistent: true });
    await ch.waitForConfirms();
    const dlq = `${stack.prefix}.status-worker.dlq`;
    let msg: amqp.GetMessage | false = false;
    for (let i = 0; i < 100 && !msg; i++) {
      msg = await ch.get(dlq, { noAck: false });
      if (!msg) await new Promise((r) => setTimeout(r, 50));
    }
    expect(msg && String(msg.properties.headers?.["x-error"])).toMatch(/malformed event.*jobId/s);
    if (msg) ch.nack(msg, false, true); // leave it there for the gauge
    await ch.close();
    await conn.close();

    // Readiness refreshes the dead-letter gauge (the quorum queue's count may lag a little).
    let line = "";
    for (let i = 0; i < 60 && !/ [1-9]\d*$/.test(line); i++) {
      await fetch(`${stack.url}/readyz`);
      const metrics = await (await fetch(`${stack.url}/metrics`)).text();
      line = metrics.split("\n").find((l) => l.startsWith(`dead_letter_messages{queue="${dlq}"}`)) ?? "";
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(line).toMatch(/ 1$/);
  });
});
