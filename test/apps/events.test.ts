import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobEvent, JobView } from "../../apps/shared/contract";
import { Broker } from "../../apps/shared/messaging/broker";
import { eventually } from "../support/eventually";
import { AMQP_URL, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";

let stack: TestStack;
let broker: Broker;

beforeAll(async () => {
  // The status worker records; the entrypoint serves what it recorded (the status worker has no API).
  stack = await startTestStack({}, ["entrypoint", "status-worker"]);
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
    await waitForStatus(stack.url, jobId, ["ROLLED_BACK"]);
    // The last event is handled in order after the others (prefetch applies per queue, FIFO):
    // wait for it by checking the history is complete.
    const final = await eventually(async () => {
      const job = (await (await fetch(`${stack.url}/jobs/${jobId}`)).json()) as JobView;
      expect(job.history).toHaveLength(5);
      return job;
    });
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
    const msg = await eventually(async () => {
      const got = await ch.get(dlq, { noAck: false });
      expect(got, `a message in ${dlq}`).not.toBe(false);
      return got as amqp.GetMessage;
    });
    expect(String(msg.properties.headers?.["x-error"])).toMatch(/malformed event.*jobId/s);
    ch.nack(msg, false, true); // leave it there for the gauge
    await ch.close();
    await conn.close();

    // Readiness refreshes the dead-letter gauge (the quorum queue's count may lag a little).
    await eventually(
      async () => {
        await fetch(`${stack.url}/readyz`);
        const metrics = await (await fetch(`${stack.url}/metrics`)).text();
        expect(metrics.split("\n").find((l) => l.startsWith(`dead_letter_messages{queue="${dlq}"}`))).toMatch(/ 1$/);
      },
      { intervalMs: 200 },
    );
  });
});
