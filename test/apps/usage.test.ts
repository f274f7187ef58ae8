import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageTracker } from "../../apps/cluster-applier/workload/usage-tracker";
import { JOB_ID_LABEL, type JobUsage, type JobView, type PodUsage, type UsageReport } from "../../apps/shared/contract";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { UsageRepository } from "../../apps/shared/state/usage-repository";
import { podUsageOf, totalsOf } from "../../apps/shared/usage/pod-usage";
import { eventually } from "../support/eventually";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { REDIS_URL, postYaml, startTestStack, uniquePrefix, waitForStatus, type TestStack } from "../support/test-stack";

const T0 = Date.parse("2026-11-20T10:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const rates = { cpuCoreHourUsd: 0.036, memoryGiBHourUsd: 0.0036, gpuHourUsd: 0.36 };
const resources = (cpu: string, memory: string, gpus?: number) => ({ requests: { cpu, memory }, ...(gpus ? { limits: { "nvidia.com/gpu": gpus } } : {}) });
const pod = (uid: string, startS: number | undefined, phase: string, res: object, finishedS?: number) => ({
  metadata: { uid, name: `pod-${uid}` },
  spec: { containers: [{ name: "main", resources: res }] },
  status: {
    phase,
    ...(startS === undefined ? {} : { startTime: at(startS) }),
    ...(finishedS === undefined ? {} : { containerStatuses: [{ name: "main", state: { terminated: { finishedAt: at(finishedS) } } }] }),
  },
});

describe("what a pod's usage counts", () => {
  it("counts from the kubelet's startTime to the last container's finish, times the requests", () => {
    const u = podUsageOf(pod("a", 0, "Succeeded", resources("500m", "1Gi"), 600), at(5000))!;
    expect(u).toMatchObject({ startedAt: at(0), endedAt: at(600), cpu: 0.5, memoryGiB: 1, gpus: 0 });
    expect(totalsOf([u], rates)).toEqual({ cpuCoreSeconds: 300, memoryGiBSeconds: 600, gpuSeconds: 0, estimatedCostUsd: (300 * 0.036 + 600 * 0.0036) / 3600 });
  });

  it("counts a running pod up to the observation, a deleted one up to when it was seen gone, and nothing for a pod that never started", () => {
    const live = podUsageOf(pod("r", 0, "Running", resources("1", "1Gi")), at(90));
    expect(live).toMatchObject({ observedAt: at(90) });
    expect(live).not.toHaveProperty("endedAt");
    expect(totalsOf([podUsageOf(pod("r", 0, "Running", resources("1", "1Gi")), at(90))!], rates).cpuCoreSeconds).toBe(90);
    expect(podUsageOf(pod("d", 0, "Running", resources("1", "1Gi")), at(200), at(120))).toMatchObject({ endedAt: at(120) });
    expect(podUsageOf(pod("p", undefined, "Pending", resources("1", "1Gi")), at(90))).toBeNull();
    // Evicted before any container ran: it ended at its last condition change, whenever seen.
    const evicted = { ...pod("e", 0, "Failed", resources("1", "1Gi")) };
    (evicted.status as Record<string, unknown>).conditions = [{ type: "Ready", status: "False", lastTransitionTime: at(30) }];
    expect(podUsageOf(evicted, at(500))?.endedAt).toBe(at(30));
    expect(podUsageOf(evicted, at(900))?.endedAt).toBe(at(30));
  });

  it("clips each pod to the period asked for", () => {
    const a = podUsageOf(pod("a", 0, "Succeeded", resources("1", "2Gi", 1), 600), at(600))!;
    expect(totalsOf([a], rates, { from: T0 + 100_000, to: T0 + 400_000 })).toMatchObject({ cpuCoreSeconds: 300, memoryGiBSeconds: 600, gpuSeconds: 300 });
    expect(totalsOf([a], rates, { from: T0 + 700_000, to: T0 + 800_000 }).cpuCoreSeconds).toBe(0);
  });
});

describe("usage records in Redis (real Redis)", () => {
  let redis: Redis;
  let usage: UsageRepository;
  const prefix = uniquePrefix("usage");
  const jobId = "51111111-2222-4333-8444-555555555555";
  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    usage = new UsageRepository(redis, prefix);
    await new JobRepository(redis, prefix).transition(jobId, "DONE", at(0), {}, "t1");
  });
  afterAll(async () => {
    const keys = await redis.keys(`{${prefix}}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const running = (observedS: number): PodUsage => ({ uid: "u1", name: "p", startedAt: at(0), observedAt: at(observedS), cpu: 1, memoryGiB: 1, gpus: 0 });
  const ended: PodUsage = { ...running(100), endedAt: at(100) };

  it("When records of one pod arrive repeated and out of order, then the ended one wins and the pod counts once", async () => {
    expect(await usage.record(jobId, "t1", [running(30)], rates)).toBe(1);
    expect(await usage.record(jobId, "t1", [ended, ended], rates)).toBe(1);
    expect(await usage.record(jobId, "t1", [running(60)], rates)).toBe(0); // older news, e.g. another applier replica
    const u = (await usage.forJob(jobId))!;
    expect(u).toMatchObject({ cpuCoreSeconds: 100, pods: 1, runningPods: 0, final: true });
  });

  it("When a tenant has more jobs or pod records than one report reads, then the report stops there and says truncated", async () => {
    const jobs = new JobRepository(redis, prefix);
    const ids = ["81111111-2222-4333-8444-000000000001", "81111111-2222-4333-8444-000000000002", "81111111-2222-4333-8444-000000000003"];
    for (const [i, id] of ids.entries()) {
      await jobs.transition(id, "DONE", at(0), {}, "t2");
      await usage.record(id, "t2", [{ ...ended, uid: `p${i}` }, { ...ended, uid: `q${i}` }], rates);
    }
    const from = new Date(T0);
    const to = new Date(T0 + 3600_000);
    const all = await usage.forTenant("t2", from, to, 10);
    expect(all).toMatchObject({ truncated: false, totals: { cpuCoreSeconds: 600 } });
    expect(await new UsageRepository(redis, prefix, { jobs: 2, records: 100 }).forTenant("t2", from, to, 10)).toMatchObject({ truncated: true, totals: { cpuCoreSeconds: 400 } });
    expect(await new UsageRepository(redis, prefix, { jobs: 10, records: 3 }).forTenant("t2", from, to, 10)).toMatchObject({ truncated: true, totals: { cpuCoreSeconds: 200 } });
    expect((await usage.forTenant("t2", from, to, 1)).jobs).toHaveLength(1);
  });

  it("When usage arrives for a job Redis does not know, then it is ignored", async () => {
    expect(await usage.record("61111111-2222-4333-8444-555555555555", "t1", [ended], rates)).toBe(0);
    expect(await usage.forJob("61111111-2222-4333-8444-555555555555")).toBeUndefined();
  });
});

describe("the usage tracker", () => {
  it("reports a running pod on sight and again each interval, its end at once, then forgets it", async () => {
    let now = T0 + 60_000;
    const reports: PodUsage[][] = [];
    const tracker = new UsageTracker({ logger: pino({ level: "silent" }), rates, report: async (_j, _t, pods) => void reports.push(pods), intervalMs: 30, debounceMs: 5, now: () => now });
    tracker.start();
    const job = "71111111-2222-4333-8444-555555555555";
    tracker.observe(job, "t1", pod("x", 0, "Running", resources("1", "1Gi")), false);
    const until = (n: number) => eventually(() => expect(reports.length).toBeGreaterThanOrEqual(n), { intervalMs: 10 });
    await until(1);
    expect(reports[0]![0]).toMatchObject({ observedAt: at(60) });
    expect(reports[0]![0]).not.toHaveProperty("endedAt");
    now += 30_000;
    await until(2);
    expect(reports.at(-1)![0]!.observedAt).toBe(at(90));
    tracker.observe(job, "t1", pod("x", 0, "Succeeded", resources("1", "1Gi"), 100), false);
    await until(3);
    expect(reports.at(-1)![0]).toMatchObject({ endedAt: at(100) });
    // Ended and reported: nothing more to say. Shown with a second job's running pod: a tick
    // flushes every job it holds, in the order first seen, so once a tick has re-reported the
    // second pod, it has passed over the first job too.
    const count = reports.length;
    now += 60_000;
    tracker.observe("72222222-2222-4333-8444-555555555555", "t1", pod("y", 0, "Running", resources("1", "1Gi")), false);
    await until(count + 1); // on sight
    now += 30_000;
    await until(count + 2); // from a tick
    expect(reports.slice(count).map((r) => r.map((p) => p.uid))).toEqual([["y"], ["y"]]);
    await tracker.stop();
  });
});

describe("each job's usage through the pipeline (Kubernetes target against the API-server double)", () => {
  let api: KubeApiDouble;
  let stack: TestStack;

  beforeAll(async () => {
    api = await startKubeApiDouble();
    const kubeconfig = await api.writeKubeconfig(await mkdtemp(path.join(os.tmpdir(), "cp-usage-")));
    stack = await startTestStack({
      APPLIER_TARGET: "kubernetes",
      KUBECONFIG_PATH: kubeconfig,
      NAMESPACE_DELETE_TIMEOUT_SECONDS: "10",
      LOG_LEVEL: "warn",
      USAGE_CPU_CORE_HOUR_USD: String(rates.cpuCoreHourUsd),
      USAGE_MEMORY_GIB_HOUR_USD: String(rates.memoryGiBHourUsd),
      USAGE_GPU_HOUR_USD: String(rates.gpuHourUsd),
    });
  });
  afterAll(async () => {
    await stack?.cleanup();
    await api?.close();
  });

  const getJob = async (id: string) => (await (await fetch(`${stack.url}/jobs/${id}`)).json()) as JobView;
  const waitUsage = (id: string, done: (u: JobUsage) => boolean) =>
    eventually(async () => {
      const { usage } = await getJob(id);
      expect(usage && done(usage), `usage so far: ${JSON.stringify(usage)}`).toBe(true);
      return usage!;
    });
  const submitJob = async () => {
    const res = await postYaml(stack.url, readFileSync(path.join(__dirname, "../fixtures/manifests/pi-job.yaml"), "utf8"));
    const id = ((await res.json()) as JobView).id;
    expect((await waitForStatus(stack.url, id, ["DONE", "FAILED", "REJECTED"])).status).toBe("DONE");
    return id;
  };
  const putPod = (id: string, p: ReturnType<typeof pod>) =>
    api.put({ apiVersion: "v1", kind: "Pod", ...p, metadata: { ...p.metadata, namespace: `job-${id}`, labels: { [JOB_ID_LABEL]: id } } });

  it("When the job's pods start and end at known times, then its usage is their requests × running time, priced, and final", async () => {
    const id = await submitJob();
    putPod(id, pod("a1", 0, "Succeeded", resources("500m", "1Gi"), 600)); // 300 core-s, 600 GiB-s
    putPod(id, pod("b1", 300, "Failed", resources("2", "4Gi", 1), 900)); // 1200 core-s, 2400 GiB-s, 600 GPU-s
    putPod(id, pod("c1", undefined, "Pending", resources("8", "8Gi"))); // never started: not counted
    const u = await waitUsage(id, (x) => x.pods === 2);
    expect(u).toMatchObject({ cpuCoreSeconds: 1500, memoryGiBSeconds: 3000, gpuSeconds: 600, pods: 2, runningPods: 0, final: true, rates });
    expect(u.estimatedCostUsd).toBeCloseTo((1500 * 0.036 + 3000 * 0.0036 + 600 * 0.36) / 3600, 9);

    // A status heartbeat (the same pod again) changes nothing: a pod that ends after it is
    // added to the first two alone (it ran after the period asked for below).
    putPod(id, pod("a1", 0, "Succeeded", resources("500m", "1Gi"), 600));
    putPod(id, pod("d1", 1000, "Succeeded", resources("1", "1Gi"), 1100)); // 100 core-s
    expect((await waitUsage(id, (x) => x.pods === 3)).cpuCoreSeconds).toBe(1600);

    // The tenant's usage in a period clips each pod to it; the job is among the top jobs.
    const report = (await (await fetch(`${stack.url}/usage?from=${at(0)}&to=${at(450)}`)).json()) as UsageReport;
    expect(report.totals.cpuCoreSeconds).toBe(225 + 300);
    expect(report.jobs[0]).toMatchObject({ jobId: id, cpuCoreSeconds: 525, gpuSeconds: 150 });
    expect(report.truncated).toBe(false);
  });

  it("When a pod runs, then the usage grows and is not final; when it is deleted, then it ends when it was seen gone", async () => {
    const id = await submitJob();
    const started = Date.now() - 60_000;
    const running = { ...pod("r1", 0, "Running", resources("1", "2Gi")) };
    running.status.startTime = new Date(started).toISOString();
    putPod(id, running);
    const live = await waitUsage(id, (x) => x.pods === 1);
    expect(live).toMatchObject({ runningPods: 1, final: false });
    expect(live.cpuCoreSeconds).toBeGreaterThanOrEqual(59);

    const before = Date.now();
    const res = await fetch(`${api.url}/api/v1/namespaces/job-${id}/pods/pod-r1`, { method: "DELETE", headers: { authorization: "Bearer test-token" } });
    expect(res.status).toBe(200);
    const final = await waitUsage(id, (x) => x.final);
    expect(final.runningPods).toBe(0);
    expect(final.cpuCoreSeconds).toBeGreaterThanOrEqual((before - started) / 1000 - 1);
    expect(final.cpuCoreSeconds).toBeLessThanOrEqual((Date.now() - started) / 1000 + 1);
    expect(final.memoryGiBSeconds).toBeCloseTo(2 * final.cpuCoreSeconds, 6);
  });

  it("When the period is malformed, reversed or too long, then GET /usage answers 400 saying what to fix", async () => {
    for (const [q, msg] of [
      ["from=yesterday", "from: an RFC 3339 time"],
      [`from=${at(100)}&to=${at(0)}`, "from must be before to"],
      ["from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "at most 366 days"],
      ["top=0", "top:"],
    ]) {
      const res = await fetch(`${stack.url}/usage?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(msg);
    }
  });
});
