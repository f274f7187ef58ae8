import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { BINDINGS, type JobEvent } from "../../apps/shared/contract";
import { Broker } from "../../apps/shared/messaging/broker";
import { eventually } from "../support/eventually";
import { AMQP_URL, removeBrokerObjects, uniquePrefix } from "../support/test-stack";

const prefix = uniquePrefix("rbw");
let broker: Broker | undefined;
let release = () => undefined as void;
afterAll(async () => {
  release();
  await broker?.close();
  await removeBrokerObjects(prefix);
});

const base = () => ({ eventId: randomUUID(), jobId: randomUUID(), tenant: "default", at: new Date().toISOString() });

describe("rollbacks have a window of their own (issue 13, escape 4)", () => {
  it("When the contract binds job events, then applies and rollbacks go to different queues", () => {
    expect(BINDINGS["cluster-applier"]).toEqual(["job.validated"]);
    expect(BINDINGS["cluster-applier-rollback"]).toEqual(["job.deleted"]);
  });

  it("When every rollback in the window is stuck (a namespace that never goes), then applies are still handled", async () => {
    broker = await Broker.connect({ url: AMQP_URL, prefix, prefetch: 2, deliveryLimit: 5, service: "test", logger: pino({ level: "silent" }) });
    const never = new Promise<void>((r) => (release = r));
    let rollbacksStarted = 0;
    const applied: string[] = [];
    await broker.consume("cluster-applier-rollback", async () => {
      rollbacksStarted++;
      await never;
    });
    await broker.consume("cluster-applier", async (e) => void applied.push(e.jobId));
    // More stuck rollbacks than the window holds, then an apply.
    for (let i = 0; i < 5; i++) await broker.publish({ ...base(), type: "job.deleted" } as JobEvent);
    const apply = { ...base(), type: "job.validated", manifestsKey: "k", resources: [], warnings: [] } as JobEvent;
    await broker.publish(apply);
    await eventually(() => expect(applied).toEqual([apply.jobId]));
    expect(rollbacksStarted).toBe(2); // the rollback window is full and stays so
  });
});
