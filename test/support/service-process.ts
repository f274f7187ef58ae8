import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import type { ServiceName } from "../../apps/shared/contract";
import { newWebhookSecretKey } from "../../apps/shared/webhooks/secret-box";

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  ready(): Promise<void>;
}

/** How a service process is started: the node arguments before the service name, and where. */
export interface Launch {
  cwd: string;
  args: string[];
}

/** From source, as `npm run start:service` does. */
export const FROM_SOURCE: Launch = { cwd: path.join(__dirname, "../.."), args: ["--import", "tsx", "apps/run-service.ts"] };

/**
 * The WEBHOOK_SECRET_KEY of services spawned from this process when neither the caller nor the
 * environment (vitest.config.mts sets one per run) gives one: random, one per process, so the
 * services a test or a bench starts one by one share it, as a stack's pods do.
 */
const spawnedWebhookSecretKey = process.env.WEBHOOK_SECRET_KEY ?? newWebhookSecretKey();

/** One service in its own process, as in its own pod (by default `tsx apps/run-service.ts <name>`). */
export const spawnService = async (name: ServiceName, env: Record<string, string>, launch: Launch = FROM_SOURCE): Promise<ServiceProcess> => {
  const port = await freePort();
  const child = spawn(process.execPath, [...launch.args, name], {
    cwd: launch.cwd,
    env: { ...process.env, LOG_LEVEL: "warn", WEBHOOK_SECRET_KEY: spawnedWebhookSecretKey, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    port,
    exited,
    ready: async () => {
      // A guard, not a speed target: loading the Kubernetes client through tsx alone takes
      // 10-18 s on a busy 2-core machine, most of a minute under heavy load (README, "Two commands").
      // A loop of its own, not test/support/eventually: bench/ calls this outside vitest.
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return;
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready (its stderr is above)`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${name} on ${port} never became ready`);
    },
  };
};
