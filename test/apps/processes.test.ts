import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_NAMES, type JobView, type ServiceName } from "../../apps/shared/contract";
import { spawnService, type ServiceProcess } from "../support/service-process";
import { AMQP_URL, REDIS_URL, postYaml, removeBrokerObjects, removeRedisKeys, uniquePrefix, waitForStatus } from "../support/test-stack";

const prefix = uniquePrefix("proc");
const procs = new Map<ServiceName, ServiceProcess>();
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-proc-"));
  for (const name of SERVICE_NAMES) procs.set(name, await spawnService(name, { AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir }));
  await Promise.all([...procs.values()].map((p) => p.ready()));
}, 90_000);

afterAll(async () => {
  for (const p of procs.values()) p.child.kill("SIGKILL");
  await removeBrokerObjects(prefix);
  await removeRedisKeys(prefix);
  await rm(dataDir, { recursive: true, force: true });
});

describe("each service in its own process, as in its own pod", () => {
  it("When a job is submitted to the entrypoint process, then the other processes carry it to DONE and the entrypoint serves what the status worker recorded", async () => {
    const entry = `http://127.0.0.1:${procs.get("entrypoint")!.port}`;
    const res = await postYaml(entry, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    // The entrypoint serves the whole public API behind the Gateway (which cannot route by
    // method), reads included, from the Redis the status worker writes.
    const job = await waitForStatus(entry, id, ["DONE"], 20_000);
    expect(job.target).toBe("dry-run");
  });

  it("When the status worker's port is asked for the API, then it answers 404: it serves probes and metrics only", async () => {
    const status = `http://127.0.0.1:${procs.get("status-worker")!.port}`;
    expect((await fetch(`${status}/jobs`)).status).toBe(404);
    expect((await fetch(`${status}/events`)).status).toBe(404);
    expect((await fetch(`${status}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${status}/metrics`)).text()).toMatch(/messages_consumed_total|process_cpu/);
  });

  it("When a service gets SIGTERM, then it drains and exits 0 on its own", async () => {
    for (const name of ["yaml-manager", "status-worker"] as const) {
      const p = procs.get(name)!;
      p.child.kill("SIGTERM");
      expect(await Promise.race([p.exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))])).toBe(0);
    }
  });
});
