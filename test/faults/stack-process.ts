import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SERVICE_NAMES, type ServiceName } from "../../apps/shared/contract";
import { freePort } from "../support/service-process";
import { AMQP_URL, REDIS_URL, removeBrokerObjects, removeRedisKeys, uniquePrefix } from "../support/test-stack";

export interface StackProcess {
  /** The public API (the entrypoint): where to POST and GET /jobs. */
  url: string;
  prefix: string;
  dataDir: string;
  /** The process running each service now (one pid for all four in one process). */
  pids: Record<ServiceName, number>;
  /**
   * Signal the process running `name` (all four in one process) and wait for it to exit:
   * its exit code, null when a signal ended it (SIGKILL).
   */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<number | null>;
  /** Start the stopped process running `name` again, on the same port, and wait until it is ready. */
  start(name: ServiceName): Promise<void>;
  /** kill (SIGTERM unless told), then start: the exit code of the stopped process. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM, and wait for a clean exit (its code). */
  stop(): Promise<number | null>;
  /** Stop, then remove its queues, keys and files. */
  cleanup(): Promise<void>;
}

/** One service process (or the one process of all four): it keeps its port across restarts. */
interface Member {
  names: ServiceName[];
  script: string[];
  url: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * The services in processes of their own, not inside the test runner's worker (a fault
 * test measures the services, not vitest's worker, whose own work made the same load several
 * times slower there): all four in one process as `npm start` runs them (apps/local.ts), or
 * one process per service as pods run them (apps/run-service.ts). One can be stopped and
 * started again on its port, as a pod is restarted behind its Service.
 */
export const spawnStack = async (env: Record<string, string> = {}, layout: "one-process" | "per-service" = "one-process"): Promise<StackProcess> => {
  const prefix = env.NAME_PREFIX ?? uniquePrefix("f");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-fault-"));
  const groups: { script: string[]; names: ServiceName[] }[] =
    layout === "one-process" ? [{ script: ["apps/local.ts"], names: SERVICE_NAMES }] : SERVICE_NAMES.map((n) => ({ script: ["apps/run-service.ts", n], names: [n] }));
  const launch = (m: Pick<Member, "script" | "port">) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...m.script], {
      cwd: path.join(__dirname, "../.."),
      env: { ...process.env, AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? "silent", ...env, HOST: "127.0.0.1", PORT: String(m.port) },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    return { child, exited };
  };
  const members: Member[] = await Promise.all(
    groups.map(async (g) => {
      const port = await freePort();
      return { ...g, port, url: `http://127.0.0.1:${port}`, ...launch({ ...g, port }) };
    }),
  );
  const alive = (m: Member) => m.child.exitCode === null && m.child.signalCode === null;
  const stop = async () => {
    for (const m of members) if (alive(m)) m.child.kill("SIGTERM");
    const codes = await Promise.all(members.map((m) => m.exited));
    return codes.find((c) => c !== 0) ?? 0;
  };
  // A busy machine can take a minute to load a service; that is not what is under test.
  const ready = async (m: Member, deadline = Date.now() + 120_000) => {
    while (!(await fetch(`${m.url}/readyz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || !alive(m)) throw new Error(`${m.names.join("+")} did not become ready on ${m.url}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    const deadline = Date.now() + 120_000;
    for (const m of members) await ready(m, deadline);
  } catch (err) {
    for (const m of members) m.child.kill("SIGKILL");
    throw err;
  }
  const memberOf = (n: ServiceName) => members.find((m) => m.names.includes(n))!;
  const pids = {} as Record<ServiceName, number>;
  for (const n of SERVICE_NAMES) Object.defineProperty(pids, n, { enumerable: true, get: () => memberOf(n).child.pid! });
  const kill = async (name: ServiceName, signal: NodeJS.Signals = "SIGTERM") => {
    const m = memberOf(name);
    if (!alive(m)) throw new Error(`${m.names.join("+")} is not running`);
    m.child.kill(signal);
    return m.exited;
  };
  const start = async (name: ServiceName) => {
    const m = memberOf(name);
    if (alive(m)) throw new Error(`${m.names.join("+")} is already running`);
    Object.assign(m, launch(m));
    await ready(m);
  };
  return {
    url: memberOf("entrypoint").url,
    prefix,
    dataDir,
    pids,
    kill,
    start,
    restart: async (name, signal) => {
      const code = await kill(name, signal);
      await start(name);
      return code;
    },
    stop,
    cleanup: async () => {
      await stop();
      await removeBrokerObjects(prefix).catch(() => undefined);
      await removeRedisKeys(prefix).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};
