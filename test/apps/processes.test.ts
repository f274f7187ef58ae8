import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_NAMES, type JobView, type ServiceName } from "../../apps/shared/contract";
import { AMQP_URL, REDIS_URL, postYaml, removeBrokerObjects, removeRedisKeys, uniquePrefix, waitForStatus } from "../support/test-stack";

const root = path.join(__dirname, "../..");
const prefix = uniquePrefix("proc");
const procs = new Map<ServiceName, { child: ChildProcess; port: number; exit: Promise<number | null> }>();
let dataDir: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const waitReady = async (port: number) => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`service on ${port} never became ready`);
};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-proc-"));
  for (const name of SERVICE_NAMES) {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "apps/run-service.ts", name], {
      cwd: root,
      env: { ...process.env, AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    procs.set(name, { child, port, exit });
  }
  await Promise.all([...procs.values()].map((p) => waitReady(p.port)));
}, 60_000);

afterAll(async () => {
  for (const p of procs.values()) p.child.kill("SIGKILL");
  await removeBrokerObjects(prefix);
  await removeRedisKeys(prefix);
  await rm(dataDir, { recursive: true, force: true });
});

describe("each service in its own process, as in its own pod", () => {
  it("When a job is submitted to the entrypoint process, then the other processes carry it to DONE and the status worker serves it", async () => {
    const entry = `http://127.0.0.1:${procs.get("entrypoint")!.port}`;
    const status = `http://127.0.0.1:${procs.get("status-worker")!.port}`;
    const res = await postYaml(entry, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const job = await waitForStatus(status, id, ["DONE"], 20_000);
    expect(job.target).toBe("dry-run");
    // The entrypoint has no read routes of its own: queries belong to the status worker.
    expect((await fetch(`${entry}/jobs/${id}`)).status).toBe(404);
  });

  it("When a service gets SIGTERM, then it drains and exits 0 on its own", async () => {
    for (const name of ["yaml-manager", "status-worker"] as const) {
      const p = procs.get(name)!;
      p.child.kill("SIGTERM");
      expect(await Promise.race([p.exit, new Promise((r) => setTimeout(() => r("timeout"), 15_000))])).toBe(0);
    }
  });
});
