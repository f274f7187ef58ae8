import amqp, { type ChannelModel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEAD_LETTER_DELIVERY_LIMIT, SERVICE_QUEUES, deadLetterPolicy, topology } from "../../apps/shared/contract";
import { declareTopology } from "../../apps/shared/messaging/declare-topology";
import { eventually } from "../support/eventually";
import { clearPolicy, queueMessages, queuePolicies, setPolicy } from "../support/rabbitmq-policies";
import { AMQP_URL, removeBrokerObjects, uniquePrefix } from "../support/test-stack";

/*
 * The DLQs' delivery limit is a policy (apps/shared/contract/topology.ts, deadLetterPolicy).
 * What these tests show depends on the local broker: on RabbitMQ 3.x (the Debian package here
 * and in CI), quorum queues have no default delivery limit and -1 is refused, so the policy is
 * shown working with a small limit 3.x accepts; that -1 lifts 4.x's default of 20 is shown only
 * on a 4.x broker (docs/operator-guide.md says so).
 */
const prefix = uniquePrefix("dlq-policy");
const t = topology(prefix);
/** A limit every version accepts, small enough to watch a message go past it. */
const LOCAL_LIMIT = 2;
let conn: ChannelModel;
let brokerMajor: number;

beforeAll(async () => {
  conn = await amqp.connect(AMQP_URL);
  brokerMajor = Number(String(conn.connection.serverProperties.version).split(".")[0]);
  const ch = await conn.createChannel();
  await declareTopology(ch, t, 5);
  await ch.close();
});
afterAll(async () => {
  await clearPolicy(deadLetterPolicy(prefix).name);
  await conn?.close();
  await removeBrokerObjects(prefix);
});

describe("the dead-letter queues' delivery limit, as a policy (real RabbitMQ)", () => {
  it("When the policy is applied to a running stack, then the topology still declares (nothing to re-declare), and it reaches the DLQs and only them", async () => {
    const policy = deadLetterPolicy(prefix, LOCAL_LIMIT);
    await setPolicy(policy);
    const ch = await conn.createChannel();
    await declareTopology(ch, t, 5);
    await ch.close();
    const names = SERVICE_QUEUES.flatMap((s) => [t.queue(s), t.deadLetterQueue(s)]);
    await eventually(async () => {
      const applied = await queuePolicies(names);
      expect(applied).toEqual(Object.fromEntries(SERVICE_QUEUES.flatMap((s) => [[t.queue(s), ""], [t.deadLetterQueue(s), policy.name]])));
    }, { timeoutMs: 20_000, intervalMs: 500 });
  });

  it("When the limit were a queue argument instead, then re-declaring an existing DLQ with it fails with PRECONDITION_FAILED", async () => {
    const ch = await conn.createChannel();
    ch.on("error", () => undefined);
    const dlq = t.deadLetterQueue("yaml-manager");
    await expect(ch.assertQueue(dlq, { durable: true, arguments: { "x-queue-type": "quorum", "x-delivery-limit": LOCAL_LIMIT } })).rejects.toThrow(/PRECONDITION_FAILED/);
  });

  it("When a tool nacks and requeues a DLQ's message past the policy's limit, then the broker drops it: the policy changes an existing queue", async () => {
    await setPolicy(deadLetterPolicy(prefix, LOCAL_LIMIT));
    const dlq = t.deadLetterQueue("status-worker");
    const ch = await conn.createConfirmChannel();
    await eventually(async () => expect((await queuePolicies([dlq]))[dlq]).toBe(deadLetterPolicy(prefix).name), { timeoutMs: 20_000, intervalMs: 500 });
    ch.sendToQueue(dlq, Buffer.from("poison"), { persistent: true });
    await ch.waitForConfirms();
    // Each delivery up to the limit comes back after its nack; the one past it does not.
    for (let delivery = 1; delivery <= LOCAL_LIMIT + 1; delivery++) {
      const msg = await eventually(async () => {
        const m = await ch.get(dlq, { noAck: false });
        if (m === false) throw new Error(`delivery ${delivery} did not come back`);
        return m;
      });
      expect(msg.content.toString()).toBe("poison");
      ch.nack(msg, false, true);
    }
    // Ready and unacknowledged together: a requeued message would count here, a dropped one not.
    await eventually(async () => expect(await queueMessages(dlq)).toBe(0), { timeoutMs: 20_000, intervalMs: 500 });
    await ch.close();
  });

  it("When the production value (-1, no limit) is set, then RabbitMQ 4.x takes it and 3.x refuses it, as documented", async () => {
    const policy = deadLetterPolicy(prefix);
    expect(policy.definition["delivery-limit"]).toBe(DEAD_LETTER_DELIVERY_LIMIT);
    if (brokerMajor >= 4) await setPolicy(policy);
    else await expect(setPolicy(policy)).rejects.toThrow(/not a valid delivery limit/);
  });
});
