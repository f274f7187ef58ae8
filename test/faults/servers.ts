import { execFileSync, spawnSync } from "node:child_process";
import net from "node:net";
import { Redis } from "ioredis";
import { REDIS_URL } from "../support/test-stack";

/**
 * Stops and starts the machine's real RabbitMQ and Redis, for fault tests. These run in their
 * own vitest run, one file at a time, because every other test shares the same servers.
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

export const stopRabbit = async () => {
  execFileSync("rabbitmqctl", ["stop_app"], { stdio: "ignore" });
  await waitPort(5672, false);
};
export const startRabbit = async () => {
  execFileSync("rabbitmqctl", ["start_app"], { stdio: "ignore" });
  await waitPort(5672, true);
};

/**
 * Redis here keeps nothing on disk; production Redis (redis-operator) persists. To restart it
 * the way production would come back, turn on the append-only file first, shut down (which
 * flushes it), start again on the same folder, then turn AOF off again when done.
 */
export const restartRedis = async (downMs: number, during?: () => Promise<void>) => {
  const admin = new Redis(REDIS_URL);
  admin.on("error", () => undefined); // it sees the shutdown it causes
  const dir = ((await admin.config("GET", "dir")) as string[])[1]!;
  await admin.config("SET", "appendonly", "yes");
  for (;;) {
    const info = await admin.info("persistence");
    if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && !/aof_rewrite_scheduled:1/.test(info)) break;
    await sleep(50);
  }
  // NOSAVE: no RDB file (the AOF is flushed on shutdown anyway), so nothing can make it refuse.
  await admin.call("SHUTDOWN", "NOSAVE").catch(() => undefined);
  admin.disconnect();
  await waitPort(6379, false, 15_000);
  await during?.();
  await sleep(downMs);
  execFileSync("redis-server", ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "yes", "--dir", dir], { stdio: "ignore" });
  await waitPort(6379, true);
};

export const redisAofOff = async () => {
  const admin = new Redis(REDIS_URL);
  await admin.config("SET", "appendonly", "no");
  admin.disconnect();
};
