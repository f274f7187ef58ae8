import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { positionsFrom, queueStatus, type KueueWorkload } from "../../apps/cluster-applier/workload/kueue-workload";
import { summarizeWorkload } from "../../apps/cluster-applier/workload/summarize-workload";
import { WorkloadWatcher } from "../../apps/cluster-applier/workload/workload-watcher";
import { JOB_ID_LABEL, TENANT_LABEL, Workload, type Workload as WorkloadT } from "../../apps/shared/contract";
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
