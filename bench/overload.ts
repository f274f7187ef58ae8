/**
 * Overload: the services each in a process of their own (as pods run them, so the
 * entrypoint's load shedding is on as in the stack), load offered from a client process of its
 * own (test/faults/load-client.ts) at 1×, 2× and 4× the measured capacity. Reported: the rate
 * accepted, and p50/p99 of accepted and of refused answers as the client saw them. The goal
 * (issue 14): accepted p99 ≤ 250 ms at 2×, refusals answered within 20 ms.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { SERVICE_NAMES } from "../apps/shared/contract";
import type { Outcome } from "../test/faults/load";
import { spawnService } from "../test/support/service-process";
import { AMQP_URL, REDIS_URL, removeBrokerObjects, removeRedisKeys, uniquePrefix } from "../test/support/test-stack";

export interface OverloadRun {
  /** Offered load as a multiple of the capacity. */
  factor: number;
  offeredPerSecond: number;
  acceptedPerSecond: number;
  accepted: number;
  refused: number;
  /** Neither 202 nor 503 (a hang counts as status 0). */
  other: number;
  acceptedP50Ms: number;
  acceptedP99Ms: number;
  refusedP50Ms: number;
  refusedP99Ms: number;
}

export interface OverloadResult {
  /** Submissions per second accepted by a closed loop of 32 clients: what "1×" means. */
  capacityPerSecond: number;
  runs: OverloadRun[];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** The load client in its own process (a client's CPU must not count as server latency). */
const offer = (url: string, total: number, perSecond: number): Promise<Outcome[]> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "../test/faults/load-client.ts"), url, String(total), String(perSecond), "15000"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !last.startsWith("[")) reject(new Error(`load client exited with ${code}`));
      else resolve(JSON.parse(last) as Outcome[]);
    });
  });

/** Capacity: what a closed loop of clients gets accepted per second (sent back to back). */
const measureCapacity = async (url: string, clients: number, seconds: number): Promise<number> => {
  const body = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: load}\ndata: {k: v}\n";
  let accepted = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const res = await fetch(`${url}/yaml`, { method: "POST", headers: { "content-type": "application/yaml" }, body }).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.status === 202) accepted++;
        else await new Promise((r) => setTimeout(r, 10)); // refused: do not spin
      }
    }),
  );
  return accepted / seconds;
};

export const measureOverload = async (dataDir: string, factors = [1, 2, 4], seconds = 5): Promise<OverloadResult> => {
  const prefix = uniquePrefix("bench-overload");
  const env = { AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, RATE_LIMIT_PER_SECOND: "1000000", LOG_LEVEL: "warn" };
  const procs = await Promise.all(SERVICE_NAMES.map((n) => spawnService(n, env)));
  try {
    await Promise.all(procs.map((p) => p.ready()));
    const url = `http://127.0.0.1:${procs[SERVICE_NAMES.indexOf("entrypoint")]!.port}`;
    await measureCapacity(url, 8, 3); // warm-up: JIT, connections, the shedder's cap settles
    const capacity = await measureCapacity(url, 32, seconds);
    const runs: OverloadRun[] = [];
    for (const factor of factors) {
      const rate = Math.max(1, Math.round(capacity * factor));
      const outcomes = await offer(url, rate * seconds, rate);
      const ok = outcomes.filter((o) => o.status === 202).map((o) => o.ms);
      const no = outcomes.filter((o) => o.status === 503).map((o) => o.ms);
      runs.push({
        factor,
        offeredPerSecond: rate,
        acceptedPerSecond: ok.length / seconds,
        accepted: ok.length,
        refused: no.length,
        other: outcomes.length - ok.length - no.length,
        acceptedP50Ms: percentile(ok, 50),
        acceptedP99Ms: percentile(ok, 99),
        refusedP50Ms: percentile(no, 50),
        refusedP99Ms: percentile(no, 99),
      });
      // Let the pipeline catch up so runs do not overlap.
      await new Promise((r) => setTimeout(r, 3000));
    }
    return { capacityPerSecond: capacity, runs };
  } finally {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    await removeBrokerObjects(prefix);
    await removeRedisKeys(prefix);
  }
};
