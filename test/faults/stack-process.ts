import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "../support/service-process";
import { AMQP_URL, REDIS_URL, removeBrokerObjects, removeRedisKeys, uniquePrefix } from "../support/test-stack";

export interface StackProcess {
  url: string;
  prefix: string;
  dataDir: string;
  pid: number;
  /** SIGTERM, and wait for a clean exit (its code). */
  stop(): Promise<number | null>;
  /** Stop, then remove its queues, keys and files. */
  cleanup(): Promise<void>;
}

/**
 * The four services in one process of their own, as `npm start` runs them (apps/local.ts),
 * not inside the test runner's worker: a fault test measures the services, not vitest's
 * worker (whose own work made the same load several times slower there).
 */
export const spawnStack = async (env: Record<string, string> = {}): Promise<StackProcess> => {
  const prefix = env.NAME_PREFIX ?? uniquePrefix("f");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-fault-"));
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "apps/local.ts"], {
    cwd: path.join(__dirname, "../.."),
    env: { ...process.env, AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? "silent", ...env, HOST: "127.0.0.1", PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`the services did not become ready on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    return exited;
  };
  return {
    url,
    prefix,
    dataDir,
    pid: child.pid!,
    stop,
    cleanup: async () => {
      await stop();
      await removeBrokerObjects(prefix).catch(() => undefined);
      await removeRedisKeys(prefix).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
