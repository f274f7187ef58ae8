import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { positionsFrom, queueStatus, type KueueWorkload } from "../../apps/cluster-applier/workload/kueue-workload";
import { summarizeWorkload } from "../../apps/cluster-applier/workload/summarize-workload";
import { WorkloadWatcher, type PositionRefresh } from "../../apps/cluster-applier/workload/workload-watcher";
import { queuePositionRefreshes } from "../../apps/shared/metrics/metrics";
import { JOB_ID_LABEL, LOCAL_QUEUE_NAME, TENANT_LABEL, Workload, clusterQueueFor, type Workload as WorkloadT } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";

// Fixtures written from Kueue's API at the pinned version (kubernetes-sigs/kueue@v0.19.2):
// apis/kueue/v1beta2/workload_types.go (WorkloadSpec.queueName, WorkloadStatus.conditions and
// .admission.clusterQueue; condition types QuotaReserved, Admitted, Evicted, Finished; reasons
// WaitingForQuota, Preempted; Preempted's reason InCohortReclamation) and the message format of
// the scheduler's flavor assigner ("couldn't assign flavors to pod set …: insufficient unused
// quota for cpu in flavor …, N more needed").
const at = "2026-12-07T17:00:00Z";
const condition = (type: string, status: "True" | "False", reason: string, message: string) => ({ type, status, reason, message, lastTransitionTime: at });
const waiting: KueueWorkload = {
  metadata: { name: "job-pi-3b1f2", namespace: "job-0b6f1c4e-8d7a-4f7e-9a51-3c2d1e0f9a87" },
  spec: { queueName: "default", active: true },
  status: { conditions: [condition("QuotaReserved", "False", "WaitingForQuota", "couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor cpu-spot, 6 more needed")] },
};
const admitted: KueueWorkload = {
  metadata: { name: "job-pi-3b1f2", namespace: waiting.metadata!.namespace },
  spec: { queueName: "default" },
  status: {
    admission: { clusterQueue: "tenant-research" },
    conditions: [condition("QuotaReserved", "True", "QuotaReserved", "Quota reserved in ClusterQueue tenant-research"), condition("Admitted", "True", "Admitted", "The workload is admitted")],
  },
};
const preempted: KueueWorkload = {
  metadata: admitted.metadata,
  spec: { queueName: "default" },
  status: {
    conditions: [
      condition("QuotaReserved", "False", "Preempted", "Preempted to accommodate a workload (UID: 5f2…) due to reclamation within the cohort"),
      condition("Evicted", "True", "Preempted", "Preempted to accommodate a workload (UID: 5f2…) due to reclamation within the cohort"),
      condition("Preempted", "True", "InCohortReclamation", "Preempted to accommodate a workload (UID: 5f2…) due to reclamation within the cohort"),
      condition("Admitted", "False", "NoReservation", "The workload has no reservation"),
    ],
  },
};
const finished: KueueWorkload = { ...admitted, status: { ...admitted.status, conditions: [...admitted.status!.conditions!, condition("Finished", "True", "Succeeded", "Job finished successfully")] } };
const none = { pods: [], jobs: [{ metadata: { name: "pi" }, status: {} }], deployments: [] };

describe("Kueue's Workloads → the job's workload phase", () => {
  it("When Kueue has not reserved quota, then the job is Queued with Kueue's reason, message and its position", () => {
    const positions = positionsFrom("tenant-research", {
      items: [
        { metadata: { name: "other", namespace: "job-x" }, positionInClusterQueue: 0 },
        { metadata: waiting.metadata, positionInClusterQueue: 1 },
      ],
    });
    const w = summarizeWorkload({ ...none, workloads: [waiting] }, at, positions);
    expect(Workload.parse(w)).toEqual(w);
    expect(w).toMatchObject({
      phase: "Queued",
      queue: { clusterQueue: "tenant-research", reason: "WaitingForQuota", message: expect.stringContaining("insufficient unused quota for cpu in flavor cpu-spot"), position: 1 },
    });
  });

  it("When the workload is admitted or finished, then it is not Queued (pods decide the phase)", () => {
    expect(summarizeWorkload({ ...none, workloads: [admitted] }, at).phase).toBe("Pending");
    expect(summarizeWorkload({ ...none, workloads: [finished] }, at).phase).toBe("Pending");
    expect(queueStatus([admitted, finished])).toBeUndefined();
    const running = summarizeWorkload({ pods: [{ metadata: { name: "p" }, status: { phase: "Running" } }], jobs: [], deployments: [], workloads: [admitted] }, at);
    expect(running.phase).toBe("Running");
  });

  it("When another tenant reclaims its quota and the job is preempted, then it is Queued again, saying so", () => {
    expect(queueStatus([preempted])).toEqual({ reason: "Preempted", message: expect.stringContaining("reclamation within the cohort") });
  });

  it("When Kueue has not seen the job (or does not run), then nothing changes: Pending as before", () => {
    const w = summarizeWorkload(none, at);
    expect(w.phase).toBe("Pending");
    expect(w.queue).toBeUndefined();
  });
});

describe("workload watcher with Kueue's Workloads (API-server double)", () => {
  let api: KubeApiDouble;
  let watcher: WorkloadWatcher;
  const reports: [string, string, WorkloadT][] = [];
  const jobId = "0b6f1c4e-8d7a-4f7e-9a51-3c2d1e0f9a87";
  const ns = `job-${jobId}`;
  const labels = { [JOB_ID_LABEL]: jobId, [TENANT_LABEL]: "research" };

  beforeAll(async () => {
    api = await startKubeApiDouble();
    api.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns }, status: { phase: "Active" } });
    watcher = new WorkloadWatcher(api.kubeConfig(), { logger: pino({ level: "silent" }), debounceMs: 20, report: async (id, tenant, w) => void reports.push([id, tenant, w]) });
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await api.close();
  });

  it("When Kueue's Workload for the job waits for quota, then the job is reported Queued; once admitted and running, Running", async () => {
    api.put({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi", namespace: ns, labels }, status: {} });
    api.put({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "Workload", ...waiting, metadata: { ...waiting.metadata, labels } });
    await eventually(() => expect(reports.at(-1)?.[2].phase).toBe("Queued"));
    expect(reports.at(-1)!.slice(0, 2)).toEqual([jobId, "research"]);
    // The double has no visibility API: the position is simply unknown.
    expect(reports.at(-1)![2].queue).toEqual({ reason: "WaitingForQuota", message: waiting.status!.conditions![0]!.message });
    api.put({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "Workload", ...admitted, metadata: { ...admitted.metadata, labels } });
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "pi-1", namespace: ns, labels }, status: { phase: "Running" } });
    await eventually(() => expect(reports.at(-1)?.[2].phase).toBe("Running"));
  });
});

describe("queue positions while jobs wait (API-server double with Kueue's visibility API)", () => {
  /** The refresh period here (30 s in the contract: QUEUE_POSITION_REFRESH_MS). */
  const PERIOD_MS = 150;
  const visibilityCalls = (api: KubeApiDouble) => api.requests.filter((r) => r.startsWith("GET /apis/visibility.kueue.x-k8s.io/")).length;

  /** A tenant's job as the applier leaves it: its namespace's LocalQueue to the tenant's ClusterQueue, its Job, and Kueue's Workload for it. */
  const submitted = (api: KubeApiDouble, tenant: string) => {
    const jobId = randomUUID();
    const ns = `job-${jobId}`;
    const labels = { [JOB_ID_LABEL]: jobId, [TENANT_LABEL]: tenant };
    api.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { [TENANT_LABEL]: tenant } }, status: { phase: "Active" } });
    api.put({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: LOCAL_QUEUE_NAME, namespace: ns }, spec: { clusterQueue: clusterQueueFor(tenant) } });
    api.put({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi", namespace: ns, labels }, status: {} });
    const metadata = { name: `job-pi-${jobId.slice(0, 5)}`, namespace: ns, labels };
    api.put({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "Workload", ...waiting, metadata });
    return {
      jobId,
      workload: () => api.get("workloads", ns, metadata.name)!,
      /** Kueue admits it (a change of this job's Workload, and of no other). */
      admit: () => api.put({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "Workload", ...admitted, metadata }),
    };
  };

  const watch = async (api: KubeApiDouble) => {
    const reports = new Map<string, WorkloadT[]>();
    const refreshes: (PositionRefresh & { calls: number })[] = [];
    const watcher = new WorkloadWatcher(api.kubeConfig(), {
      logger: pino({ level: "silent" }),
      debounceMs: 20,
      positionRefreshMs: PERIOD_MS,
      report: async (id, _t, w) => void reports.set(id, [...(reports.get(id) ?? []), w]),
      // The visibility calls so far, once the refresh is over: what each refresh asked.
      onPositionsRefreshed: (r) => void refreshes.push({ ...r, calls: visibilityCalls(api) }),
    });
    await watcher.start();
    const last = (jobId: string) => reports.get(jobId)?.at(-1);
    return { watcher, reports, refreshes, last };
  };

  const apis: KubeApiDouble[] = [];
  const watchers: WorkloadWatcher[] = [];
  const double = async () => {
    const api = await startKubeApiDouble();
    apis.push(api);
    return api;
  };
  afterAll(async () => {
    await Promise.all(watchers.map((w) => w.stop()));
    await Promise.all(apis.map((a) => a.close()));
  });

  it("When jobs ahead of a queued job are admitted, then its position is refreshed within one period without any change to its Workload", async () => {
    const api = await double();
    const [first, second, mine] = [submitted(api, "research"), submitted(api, "research"), submitted(api, "research")];
    const w = await watch(api);
    watchers.push(w.watcher);
    await eventually(() => expect(w.last(mine.jobId)?.queue?.position).toBe(2));
    const resourceVersion = mine.workload().metadata.resourceVersion;

    const admittedAt = Date.now();
    first.admit();
    second.admit();
    const refreshed = await eventually(() => {
      expect(w.last(mine.jobId)?.queue?.position).toBe(0);
      return w.last(mine.jobId)!;
    });
    expect(refreshed).toMatchObject({ phase: "Queued", queue: { clusterQueue: "tenant-research", reason: "WaitingForQuota", position: 0 } });
    expect(Workload.parse(refreshed)).toEqual(refreshed);
    // Nothing told the watcher about this job: its Workload is as it was.
    expect(mine.workload().metadata.resourceVersion).toBe(resourceVersion);
    // Observed (the time taken before asking) within one period of the admissions; the margin is for a busy machine.
    expect(Date.parse(refreshed.observedAt) - admittedAt).toBeLessThan(PERIOD_MS + 1000);
  });

  it("When jobs of two tenants wait, then each refresh asks once per ClusterQueue and publishes nothing while no position moves", async () => {
    const api = await double();
    const jobs = [submitted(api, "research"), submitted(api, "research"), submitted(api, "research"), submitted(api, "physics")];
    const w = await watch(api);
    watchers.push(w.watcher);
    await eventually(() => expect(jobs.map((j) => w.last(j.jobId)?.queue?.position)).toEqual([0, 1, 2, 0]));
    const reported = [...w.reports.values()].flat().length;
    // Two whole refreshes after everything was reported: the calls between them are the second's alone.
    const from = w.refreshes.length;
    await eventually(() => expect(w.refreshes.length).toBeGreaterThanOrEqual(from + 2));
    const [a, b] = w.refreshes.slice(from, from + 2);
    expect(b!.clusterQueues.sort()).toEqual(["tenant-physics", "tenant-research"]);
    expect(b!.calls - a!.calls).toBe(2);
    expect([a!.published, b!.published, a!.errors, b!.errors]).toEqual([0, 0, 0, 0]);
    expect([...w.reports.values()].flat().length).toBe(reported);
  });

  it("When Kueue's visibility API fails, then the refresh counts the error, keeps the last position and tries again next period", async () => {
    const api = await double();
    const [ahead, mine] = [submitted(api, "research"), submitted(api, "research")];
    const w = await watch(api);
    watchers.push(w.watcher);
    await eventually(() => expect(w.last(mine.jobId)?.queue?.position).toBe(1));
    const errorsCounted = async () => (await queuePositionRefreshes.get()).values.find((v) => v.labels.step === "visibility" && v.labels.outcome === "error")?.value ?? 0;
    const counted = await errorsCounted();
    api.unservedGroups.add("visibility.kueue.x-k8s.io");
    const from = w.refreshes.length;
    await eventually(() => expect(w.refreshes.slice(from).some((r) => r.errors > 0)).toBe(true));
    expect(await errorsCounted()).toBeGreaterThan(counted);
    expect(w.last(mine.jobId)?.queue?.position).toBe(1);
    ahead.admit();
    api.unservedGroups.delete("visibility.kueue.x-k8s.io");
    await eventually(() => expect(w.last(mine.jobId)?.queue?.position).toBe(0));
  });

  it("When nothing is queued, then the visibility API is not called", async () => {
    // What is watched: a job Kueue admitted and that runs, so nothing waits.
    const idle = await double();
    const running = submitted(idle, "research");
    running.admit();
    const ns = `job-${running.jobId}`;
    idle.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "pi-1", namespace: ns, labels: { [JOB_ID_LABEL]: running.jobId, [TENANT_LABEL]: "research" } }, status: { phase: "Running" } });
    const w = await watch(idle);
    watchers.push(w.watcher);
    await eventually(() => expect(w.last(running.jobId)?.phase).toBe("Running"));
    // A clock made of events: a second watcher, started later with the same period, refreshing
    // its one queued job three times means more than three periods have gone by here too.
    const clock = await double();
    submitted(clock, "research");
    const c = await watch(clock);
    watchers.push(c.watcher);
    await eventually(() => expect(c.refreshes.length).toBeGreaterThanOrEqual(3));
    expect(visibilityCalls(clock)).toBeGreaterThanOrEqual(3);
    expect(visibilityCalls(idle)).toBe(0);
    expect(w.refreshes).toEqual([]);
  });

  it("When the last queued job is admitted, then the refreshes stop", async () => {
    const api = await double();
    const job = submitted(api, "research");
    const w = await watch(api);
    watchers.push(w.watcher);
    await eventually(() => expect(w.refreshes.length).toBeGreaterThanOrEqual(1));
    job.admit();
    await eventually(() => expect(w.last(job.jobId)?.phase).toBe("Pending"));
    const refreshes = w.refreshes.length;
    const calls = visibilityCalls(api);
    const clock = await double();
    submitted(clock, "research");
    const c = await watch(clock);
    watchers.push(c.watcher);
    await eventually(() => expect(c.refreshes.length).toBeGreaterThanOrEqual(3));
    // At most one refresh was already under way when the admission was seen.
    expect(w.refreshes.length - refreshes).toBeLessThanOrEqual(1);
    expect(visibilityCalls(api) - calls).toBeLessThanOrEqual(1);
  });
});
