import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/service-process";
import { AMQP_URL, REDIS_URL, removeBrokerObjects, removeRedisKeys, uniquePrefix } from "../support/test-stack";

const prefix = uniquePrefix("startlog");
let dataDir: string | undefined;
afterAll(async () => {
  await removeBrokerObjects(prefix);
  await removeRedisKeys(prefix);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("start-up log", () => {
  it("When a service starts, then it logs loading, connecting and started, with durations, before listening", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-startlog-"));
    const child = spawn(process.execPath, ["--import", "tsx", "apps/run-service.ts", "status-worker"], {
      cwd: path.join(__dirname, "../.."),
      env: { ...process.env, AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: { message: string; service: string; ms?: number }[] = [];
    for await (const line of createInterface({ input: child.stdout! })) {
      lines.push(JSON.parse(line));
      if (lines.at(-1)!.message === "listening") break;
    }
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    // In this order (a service may log more of its own in between), the first one at once.
    const steps = ["loading code", "connecting to RabbitMQ, Redis and storage", "started", "listening"].map((m) => lines.findIndex((l) => l.message === m));
    expect(steps[0]).toBe(0);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(4);
    for (const i of steps.slice(1, 3)) expect(lines[i]).toMatchObject({ service: "status-worker", ms: expect.any(Number) });
  });
});
