import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import net from "node:net";
import { Redis } from "ioredis";

/**
 * Stops and starts the machine's real RabbitMQ, and a Redis of the test's own, for fault
 * tests. These run in their own vitest run, one file at a time, because every other test
 * shares the machine's RabbitMQ.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, timeout: 500 });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
    s.once("timeout", () => (s.destroy(), resolve(false)));
  });

const waitPort = async (port: number, open: boolean, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while ((await portOpen(port)) !== open) {
    if (Date.now() > deadline) throw new Error(`port ${port} did not ${open ? "open" : "close"} in ${timeoutMs} ms`);
    await sleep(100);
  }
};

export const canControlRabbit = () => spawnSync("sh", ["-c", "command -v rabbitmqctl"]).status === 0;

// Asynchronous: the services under test share this process, and a blocking call would stall
// them for the seconds rabbitmqctl takes (an outage of the test's making, not the broker's).
const run = promisify(execFile);
const rabbitmqctl = (args: string[]) => run("rabbitmqctl", args);

export const stopRabbit = async () => {
  await rabbitmqctl(["stop_app"]);
  await waitPort(5672, false);
};
export const startRabbit = async () => {
  await rabbitmqctl(["start_app"]);
  await waitPort(5672, true);
};

/**
 * A Redis of the test's own, on its own port and folder, configured as production runs it
 * (append-only file, fsync on every write) from its first start. Restarting it cannot
 * disturb the machine's shared Redis or other tests.
 */
export interface PrivateRedis {
  url: string;
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export const startPrivateRedis = async (port: number, dir: string): Promise<PrivateRedis> => {
  const start = async () => {
    await run("redis-server", ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir]);
    await waitPort(port, true);
  };
  const stop = async () => {
    // One shot: no reconnect and no resending, or ioredis would send SHUTDOWN again to the
    // restarted server once it is back.
    const admin = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
    admin.on("error", () => undefined); // it sees the shutdown it causes
    await admin.connect().catch(() => undefined);
    await admin.call("SHUTDOWN", "NOSAVE").catch(() => undefined);
    admin.disconnect();
    await waitPort(port, false, 15_000);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    restart: async (downMs) => {
      await stop();
      await sleep(downMs);
      await start();
    },
    stop,
  };
};
