import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import type { ServiceName } from "../../apps/shared/contract";

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

/** One service in its own process, as in its own pod (`tsx apps/run-service.ts <name>`). */
export const spawnService = async (name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> => {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "apps/run-service.ts", name], {
    cwd: path.join(__dirname, "../.."),
    env: { ...process.env, LOG_LEVEL: "warn", ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    port,
    exited,
    ready: async () => {
      // A busy machine can take most of a minute to load a service (tsx, Kubernetes models).
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${name} on ${port} never became ready`);
    },
  };
};
