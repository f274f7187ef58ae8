import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SERVICE_NAMES, type ServiceName } from "../../apps/shared/contract";
import { freePort } from "../support/service-process";
import { AMQP_URL, REDIS_URL, removeBrokerObjects, removeRedisKeys, uniquePrefix } from "../support/test-stack";

export interface StackProcess {
  /** Where to POST (the entrypoint). */
  url: string;
  /** Where to GET /jobs (the status worker): the same as url when all run in one process. */
  statusUrl: string;
  prefix: string;
  dataDir: string;
  /** The process running each service (one pid for all four in one process). */
  pids: Record<ServiceName, number>;
  /** SIGTERM, and wait for a clean exit (its code). */
  stop(): Promise<number | null>;
  /** Stop, then remove its queues, keys and files. */
  cleanup(): Promise<void>;
}

/**
 * The services in processes of their own, not inside the test runner's worker (a fault
 * test measures the services, not vitest's worker, whose own work made the same load several
 * times slower there): all four in one process as `npm start` runs them (apps/local.ts), or
 * one process per service as pods run them (apps/run-service.ts).
 */
export const spawnStack = async (env: Record<string, string> = {}, layout: "one-process" | "per-service" = "one-process"): Promise<StackProcess> => {
  const prefix = env.NAME_PREFIX ?? uniquePrefix("f");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-fault-"));
  const groups: { script: string[]; names: ServiceName[] }[] =
    layout === "one-process" ? [{ script: ["apps/local.ts"], names: SERVICE_NAMES }] : SERVICE_NAMES.map((n) => ({ script: ["apps/run-service.ts", n], names: [n] }));
  const started = await Promise.all(
    groups.map(async (g) => {
      const port = await freePort();
      const child = spawn(process.execPath, ["--import", "tsx", ...g.script], {
        cwd: path.join(__dirname, "../.."),
        env: { ...process.env, AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? "silent", ...env, HOST: "127.0.0.1", PORT: String(port) },
        stdio: ["ignore", "inherit", "inherit"],
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      return { ...g, child, exited, url: `http://127.0.0.1:${port}` };
    }),
  );
  const stop = async () => {
    for (const s of started) if (s.child.exitCode === null) s.child.kill("SIGTERM");
    const codes = await Promise.all(started.map((s) => s.exited));
    return codes.find((c) => c !== 0) ?? 0;
  };
  // A busy machine can take a minute to load a service; that is not what is under test.
  const deadline = Date.now() + 120_000;
  for (const s of started) {
    while (!(await fetch(`${s.url}/readyz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || s.child.exitCode !== null) {
        for (const t of started) t.child.kill("SIGKILL");
        throw new Error(`${s.names.join("+")} did not become ready on ${s.url}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const urlOf = (n: ServiceName) => started.find((s) => s.names.includes(n))!.url;
  const pids = Object.fromEntries(SERVICE_NAMES.map((n) => [n, started.find((s) => s.names.includes(n))!.child.pid!])) as Record<ServiceName, number>;
  return {
    url: urlOf("entrypoint"),
    statusUrl: urlOf("status-worker"),
    prefix,
    dataDir,
    pids,
    stop,
    cleanup: async () => {
      await stop();
      await removeBrokerObjects(prefix).catch(() => undefined);
      await removeRedisKeys(prefix).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
