import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_STREAMS_PER_TENANT, type JobView } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { spawnService, type ServiceProcess } from "../support/service-process";
import { AMQP_URL, REDIS_URL, removeBrokerObjects, removeRedisKeys, uniquePrefix } from "../support/test-stack";

/**
 * One token must not hurt everyone else (issue 23). The API in a process of its own (as in its
 * pod), the other services in this one, all on loopback. Tenant A submits and reads at a fixed,
 * modest rate, first on the quiet stack, then while tenant B runs every attack of the issue at
 * once, each at most at B's rate limit: big dry runs, big refused submissions, stalled event
 * streams, resumes "from now", log requests. A's p99 latencies under attack are compared with
 * the quiet ones of the same run; the API process's memory with its pod's limit
 * (infra/management-app/management-app.ts: 384 Mi); and every job A submitted must be there.
 */
const TOKENS = "alpha:alpha-token-0123456789,beta:beta-token-0123456789";
const A = { authorization: "Bearer alpha-token-0123456789" };
const B = { authorization: "Bearer beta-token-0123456789" };
const POD_MEMORY_LIMIT_BYTES = 384 * 1024 * 1024;
/**
 * A's p99 under attack stays within FACTOR times the quiet p99, or the quiet p99 plus
 * NOISE_FLOOR_MS when that is more, and always under ABSOLUTE_CEILING_MS. The floor is a
 * deviation from the plain 3x: with about 40 samples per phase the p99 is the slowest
 * answer, and on this shared 2-core machine (load 10-14 while other suites run) one scheduler
 * stall of the API process costs 100-250 ms whatever B does (docs/security.md has the figures).
 */
const FACTOR = 3;
const NOISE_FLOOR_MS = 300;
const ABSOLUTE_CEILING_MS = 1000;
const PHASE_MS = 15_000;
const A_INTERVAL_MS = 400;
const B_RATE_PER_SECOND = 10;

const CONFIGMAP = (i: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a-${i}}\ndata: {k: v}\n`;
/** About 400 KB: tens of thousands of schema errors (issue 23: held /healthz 9-11 s, answered 24-50 MB). */
const BIG_DRY_RUN = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n${"  - {}\n".repeat(57_000)}`;
/** About 100 KB that admission refuses with thousands of problems (issue 23: 6 MB of problems, stored three times). */
const BIG_REFUSED = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n${"  - {name: c, image: x, securityContext: {privileged: true}}\n".repeat(1_700)}`;

const p99 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] ?? NaN;
};
const rssOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("noisy neighbour (issue 23)", () => {
  const prefix = uniquePrefix("noisy");
  let api: ServiceProcess;
  let rest: ChildProcess;
  let url: string;
  const stalled: http.ClientRequest[] = [];
  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-noisy-"));
    const env = { AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir, API_TOKENS: TOKENS, RATE_LIMIT_PER_SECOND: String(B_RATE_PER_SECOND), RATE_LIMIT_BURST: "0", LOG_LEVEL: "warn" };
    // The other three services in one process of their own, below the API's priority: in the
    // cluster they are other pods with their own CPU; on this shared 2-core machine their work
    // (admitting B's refused jobs) must not stand in for the API's. Neither does this process's:
    // it only sends requests (its CPU is measured below).
    rest = spawn(process.execPath, ["--import", "tsx", "-e", 'require("./apps/host").startHost(["yaml-manager", "status-worker", "cluster-applier"], { ...process.env, PORT: "0" })'], {
      cwd: path.join(__dirname, "../.."),
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit"],
    });
    os.setPriority(rest.pid!, 10);
    api = await spawnService("entrypoint", env);
    await api.ready();
    url = `http://127.0.0.1:${api.port}`;
  }, 180_000);
  afterAll(async () => {
    stalled.forEach((r) => r.destroy());
    api?.child.kill("SIGTERM");
    rest?.kill("SIGTERM");
    await api?.exited;
    await removeBrokerObjects(prefix).catch(() => undefined);
    await removeRedisKeys(prefix);
  });

  /** Tenant A: a GET /jobs and a POST /yaml every A_INTERVAL_MS (5 requests a second, half its rate limit), each timed. */
  const tenantA = async (ms: number, ids: string[]) => {
    const lat = { list: [] as number[], submit: [] as number[] };
    const statuses: number[] = [];
    const end = Date.now() + ms;
    let i = ids.length;
    while (Date.now() < end) {
      const tick = Date.now();
      let t = performance.now();
      const list = await fetch(`${url}/jobs?limit=20`, { headers: A });
      await list.arrayBuffer();
      lat.list.push(performance.now() - t);
      statuses.push(list.status);
      t = performance.now();
      const res = await fetch(`${url}/yaml`, { method: "POST", headers: { ...A, "content-type": "application/yaml" }, body: CONFIGMAP(i++) });
      lat.submit.push(performance.now() - t);
      statuses.push(res.status);
      if (res.status === 202) ids.push(((await res.json()) as JobView).id);
      else await res.arrayBuffer();
      await sleep(Math.max(0, A_INTERVAL_MS - (Date.now() - tick)));
    }
    return { lat, statuses };
  };

  /** One of B's attacks: `fire` repeated at `perSecond` at most until `until`. */
  const attack = async (until: number, perSecond: number, fire: () => Promise<unknown>) => {
    while (Date.now() < until) {
      const t = Date.now();
      await fire().catch(() => undefined);
      await sleep(Math.max(0, 1000 / perSecond - (Date.now() - t)));
    }
  };
  const post = (body: string, query = "") => fetch(`${url}/yaml${query}`, { method: "POST", headers: { ...B, "content-type": "application/yaml" }, body }).then((r) => r.arrayBuffer());
  const stall = (path: string) =>
    new Promise<void>((resolve) => {
      const req = http.get(`${url}${path}`, { headers: { ...B, accept: "text/event-stream" } }, (res) => {
        res.pause();
        resolve();
      });
      req.on("error", () => resolve());
      stalled.push(req);
    });

  it("When tenant B attacks at its rate limit, then tenant A's p99 for GET /jobs and POST /yaml stays within 3x the quiet p99 (or 300 ms above it) and under 1 s, the API stays under its pod's memory limit, and nothing of A's is lost", async () => {
    const ids: string[] = [];
    let maxRss = rssOf(api.child.pid!);
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssOf(api.child.pid!))), 100);
    try {
      // Warm up (the first requests load code), then the quiet phase.
      await tenantA(2000, []);
      const quiet = await tenantA(PHASE_MS, ids);

      // B's one job, whose logs it will ask for over and over.
      const bJob = ((await (await fetch(`${url}/yaml`, { method: "POST", headers: { ...B, "content-type": "application/yaml" }, body: CONFIGMAP(0) })).json()) as JobView).id;
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const until = Date.now() + PHASE_MS;
      const share = B_RATE_PER_SECOND / 5;
      const attacks = Promise.all([
        attack(until, share, () => post(BIG_DRY_RUN, "?dryRun=true")),
        attack(until, share, () => post(BIG_REFUSED)),
        attack(until, share, () => (stalled.length < MAX_STREAMS_PER_TENANT + 5 ? stall("/events") : Promise.resolve())),
        attack(until, share, () => fetch(`${url}/events?follow=false&lastEventId=$`, { headers: B }).then((r) => r.arrayBuffer())),
        attack(until, share, () => (stalled.length < MAX_STREAMS_PER_TENANT + 10 ? stall(`/jobs/${bJob}/logs?follow=true`) : fetch(`${url}/jobs/${bJob}/logs`, { headers: B }).then((r) => r.arrayBuffer()))),
      ]);
      const loud = await tenantA(PHASE_MS, ids);
      await attacks;
      const cpu = process.cpuUsage(cpuBefore);
      const wall = performance.now() - wallBefore;

      const figures = {
        quietP99: { list: p99(quiet.lat.list), submit: p99(quiet.lat.submit) },
        attackP99: { list: p99(loud.lat.list), submit: p99(loud.lat.submit) },
        samples: { quiet: quiet.lat.list.length, attack: loud.lat.list.length },
        apiMaxRssMiB: Math.round(maxRss / 1048576),
        loadGeneratorCpuCores: Number(((cpu.user + cpu.system) / 1000 / wall).toFixed(2)),
      };
      const refusedA = [...quiet.statuses, ...loud.statuses].filter((s) => s !== 200 && s !== 202);
      console.log("noisy-neighbour figures", JSON.stringify({ ...figures, refusedA }));

      for (const op of ["list", "submit"] as const) {
        expect(figures.attackP99[op], `${op} p99 under attack vs quiet`).toBeLessThanOrEqual(Math.max(FACTOR * figures.quietP99[op], figures.quietP99[op] + NOISE_FLOOR_MS));
        expect(figures.attackP99[op]).toBeLessThan(ABSOLUTE_CEILING_MS);
      }
      expect(maxRss).toBeLessThan(POD_MEMORY_LIMIT_BYTES);
      // A was never refused: well under its rate, and the limits are B's own.
      expect(refusedA).toEqual([]);
      // Nothing of A's lost: every accepted job is there, and reaches the end of the pipeline.
      await eventually(
        async () => {
          const res = await fetch(`${url}/jobs?limit=100`, { headers: A });
          expect(res.status).toBe(200);
          const listed = new Map(((await res.json()) as { items: JobView[] }).items.map((j) => [j.id, j.status]));
          for (const id of ids) expect(listed.get(id), id).toBe("DONE");
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
    } finally {
      clearInterval(sampler);
    }
  }, 300_000);
});
