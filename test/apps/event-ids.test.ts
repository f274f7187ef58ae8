import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { EventOf, JobEvent } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import type { DeliveryContext } from "../../apps/shared/messaging/broker";
import { eventIdAfter, eventIdOfJob } from "../../apps/shared/messaging/event-ids";
import { failJobOnGiveUp } from "../../apps/shared/messaging/report-failure";
import { FsObjectStore } from "../../apps/shared/storage/fs-store";
import { jobKeys } from "../../apps/shared/storage/job-keys";
import { putJson } from "../../apps/shared/storage/object-store";
import { clusterApplierHandler } from "../../apps/cluster-applier/handler";
import { DryRunTarget } from "../../apps/cluster-applier/targets/dry-run-target";
import { DEFAULT_POLICY } from "../../apps/shared/admission/admit";
import { yamlManagerHandler } from "../../apps/yaml-manager/handler";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const newStore = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "event-ids-"));
  dirs.push(dir);
  return new FsObjectStore(dir);
};
const ctx = (attempt: number): DeliveryContext => ({ attempt, log: pino({ level: "silent" }) });
/** A publish that keeps what it was given. */
const captured = () => {
  const published: JobEvent[] = [];
  return { published, publish: async (e: JobEvent) => void published.push(e) };
};

const submitted = async (store: FsObjectStore, text: string): Promise<EventOf<"job.submitted">> => {
  const jobId = randomUUID();
  const files = [{ name: "job.yaml", text }];
  const parsed = parseYamlFiles(files, { maxDocuments: 100, maxDepth: 32, maxAliases: 20 });
  await putJson(store, jobKeys(jobId).submission, { files, documents: parsed.documents });
  return {
    type: "job.submitted",
    eventId: eventIdOfJob(jobId, "job.submitted"),
    jobId,
    tenant: "default",
    at: new Date().toISOString(),
    namespace: `job-${jobId}`,
    submissionKey: jobKeys(jobId).submission,
    files: [{ name: "job.yaml", bytes: text.length }],
  };
};

describe("event ids: same input, same event", () => {
  it("When the YAML Manager gets the same job.submitted twice, then it publishes the same job.validated id both times", async () => {
    const store = await newStore();
    const { published, publish } = captured();
    const handler = yamlManagerHandler({ publish, store, policy: DEFAULT_POLICY });
    const event = await submitted(store, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    await handler(event, ctx(1));
    await handler(event, ctx(2));
    expect(published.map((e) => e.type)).toEqual(["job.validated", "job.validated"]);
    expect(published[0]!.eventId).toBe(published[1]!.eventId);
    expect(published[0]!.eventId).not.toBe(event.eventId);
  });

  it("When a rejected job's event is redelivered, then the job.rejected id repeats, and another job's differs", async () => {
    const store = await newStore();
    const { published, publish } = captured();
    const handler = yamlManagerHandler({ publish, store, policy: DEFAULT_POLICY });
    const bad = "apiVersion: v1\nkind: Node\nmetadata: {name: n}\n";
    const first = await submitted(store, bad);
    const other = await submitted(store, bad);
    await handler(first, ctx(1));
    await handler(first, ctx(2));
    await handler(other, ctx(1));
    expect(published.map((e) => e.type)).toEqual(["job.rejected", "job.rejected", "job.rejected"]);
    expect(published[1]!.eventId).toBe(published[0]!.eventId);
    expect(published[2]!.eventId).not.toBe(published[0]!.eventId);
  });

  it("When the Cluster Applier applies and rolls back the same events twice, then each output event id repeats", async () => {
    const store = await newStore();
    const { published, publish } = captured();
    const handler = clusterApplierHandler({ publish, store, target: new DryRunTarget(store) });
    const jobId = randomUUID();
    const manifestsKey = jobKeys(jobId).manifests;
    await putJson(store, manifestsKey, [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: `job-${jobId}` } }]);
    const base = { jobId, tenant: "default", at: new Date().toISOString() };
    const validated: JobEvent = { ...base, type: "job.validated", eventId: randomUUID(), manifestsKey, resources: [], warnings: [] };
    const deleted: JobEvent = { ...base, type: "job.deleted", eventId: eventIdOfJob(jobId, "job.deleted") };
    await handler(validated, ctx(1));
    await handler(validated, ctx(2));
    await handler(deleted, ctx(1));
    await handler(deleted, ctx(2));
    expect(published.map((e) => e.type)).toEqual(["job.applied", "job.applied", "job.rolled_back", "job.rolled_back"]);
    expect(published[1]!.eventId).toBe(published[0]!.eventId);
    expect(published[3]!.eventId).toBe(published[2]!.eventId);
    expect(published[2]!.eventId).not.toBe(published[0]!.eventId);
  });

  it("When a service gives up on the same event twice, then the job.failed it publishes has one id", async () => {
    const { published, publish } = captured();
    const { onGiveUp } = failJobOnGiveUp(publish);
    const event: JobEvent = { type: "job.deleted", eventId: randomUUID(), jobId: randomUUID(), tenant: "default", at: new Date().toISOString() };
    await onGiveUp!(event, "cannot reach the cluster");
    await onGiveUp!(event, "cannot reach the cluster");
    expect(published.map((e) => [e.type, e.eventId])).toEqual([
      ["job.failed", eventIdAfter(event, "job.failed")],
      ["job.failed", eventIdAfter(event, "job.failed")],
    ]);
  });

  it("When ids are derived, then they are UUID-shaped (version 8) and depend on both the cause and the type", () => {
    const cause = { eventId: randomUUID() };
    const id = eventIdAfter(cause, "job.failed");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdAfter(cause, "job.applied")).not.toBe(id);
    expect(eventIdAfter({ eventId: randomUUID() }, "job.failed")).not.toBe(id);
    expect(eventIdOfJob(cause.eventId, "job.failed")).not.toBe(id);
  });
});
