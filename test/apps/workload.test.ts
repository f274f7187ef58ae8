import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL, type Workload } from "../../apps/shared/contract";
import { summarizeWorkload } from "../../apps/cluster-applier/workload/summarize-workload";
import { WorkloadWatcher } from "../../apps/cluster-applier/workload/workload-watcher";
import { eventually } from "../support/eventually";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";

const at = "2026-11-22T00:00:00.000Z";
const pod = (name: string, status: object) => ({ metadata: { name }, status });

describe("workload summary", () => {
  it("When all pods of a Deployment run, then the phase is Running with counts", () => {
    const w = summarizeWorkload({ pods: [pod("a", { phase: "Running" }), pod("b", { phase: "Running" })], jobs: [], deployments: [{ metadata: { name: "web" }, status: {} }] }, at);
    expect(w).toEqual({ phase: "Running", pods: { pending: 0, running: 2, succeeded: 0, failed: 0 }, problems: [], observedAt: at, available: false });
  });

  it("When an image cannot be pulled or a pod cannot be scheduled, then the job is Pending with each problem named", () => {
    const w = summarizeWorkload(
      {
        pods: [
          pod("a", { phase: "Pending", containerStatuses: [{ name: "app", state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nope:1"' } } }] }),
          pod("b", { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes have enough memory" }] }),
        ],
        jobs: [],
        deployments: [],
      },
      at,
    );
    expect(w.phase).toBe("Pending");
    expect(w.problems).toEqual(['Pod/a container app: ImagePullBackOff: Back-off pulling image "nope:1"', "Pod/b: Unschedulable: 0/3 nodes have enough memory"]);
  });

  it("When admission refuses a Deployment's pods, then the job is Failed with the reason", () => {
    const refused = { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: 'pods "web-1" is forbidden: violates PodSecurity "restricted:latest"' };
    const w = summarizeWorkload({ pods: [], jobs: [], deployments: [{ metadata: { name: "web" }, status: { conditions: [refused] } }] }, at);
    expect(w.phase).toBe("Failed");
    expect(w.problems[0]).toMatch(/^Deployment\/web: FailedCreate: pods "web-1" is forbidden: violates PodSecurity/);
  });

  it("When every Job completes, then Succeeded; when one fails, then Failed", () => {
    const complete = { metadata: { name: "pi" }, status: { conditions: [{ type: "Complete", status: "True" }] } };
    const failed = { metadata: { name: "pi2" }, status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } };
    expect(summarizeWorkload({ pods: [pod("p", { phase: "Succeeded" })], jobs: [complete], deployments: [] }, at).phase).toBe("Succeeded");
    const w = summarizeWorkload({ pods: [], jobs: [complete, failed], deployments: [] }, at);
    expect(w.phase).toBe("Failed");
    expect(w.problems).toEqual(["Job/pi2: BackoffLimitExceeded: Job has reached the specified backoff limit"]);
  });
});

describe("workload watcher against the API-server double (watch, not poll)", () => {
  let api: KubeApiDouble;
  let watcher: WorkloadWatcher;
  const reports: [string, Workload][] = [];
  const jobId = "41111111-2222-4333-8444-555555555555";
  const ns = `job-${jobId}`;
  const labels = { [JOB_ID_LABEL]: jobId };

  beforeAll(async () => {
    api = await startKubeApiDouble();
    api.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns }, status: { phase: "Active" } });
    watcher = new WorkloadWatcher(api.kubeConfig(), {
      logger: pino({ level: "silent" }),
      debounceMs: 20,
      report: async (id, _tenant, w) => void reports.push([id, w]),
    });
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await api.close();
  });

  const nextReport = (count: number) => eventually(() => expect(reports[count - 1]).toBeDefined()).then(() => reports[count - 1]!);
  /**
   * Put a pod of another job after the change under test and wait for that job's report. The
   * watcher gets pod events in order and per-job debounce timers of one length fire in the
   * order they were set, so whatever the earlier change caused has been reported by then.
   */
  const barrier = async (otherJob: string) => {
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: `job-${otherJob}`, labels: { [JOB_ID_LABEL]: otherJob } }, status: { phase: "Running" } });
    await eventually(() => expect(reports.map(([id]) => id)).toContain(otherJob));
  };

  it("When the job's pods change in the cluster, then each change of summary is reported once for that job", async () => {
    api.put({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: ns, labels }, status: {} });
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: ns, labels }, status: { phase: "Pending", containerStatuses: [{ name: "nginx", state: { waiting: { reason: "ErrImagePull" } } }] } });
    const [id, first] = await nextReport(1);
    expect(id).toBe(jobId);
    // A Deployment's pod that cannot pull its image stops it: Failed with the reason, not final.
    expect(first).toMatchObject({ phase: "Failed", reason: "container nginx of Pod/web-1: ErrImagePull", available: false });
    expect(first.final).toBeUndefined();
    expect(first.problems).toEqual(["Pod/web-1 container nginx: ErrImagePull"]);

    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: ns, labels }, status: { phase: "Running" } });
    const [, second] = await nextReport(2);
    expect(second).toMatchObject({ phase: "Running", pods: { running: 1 }, problems: [] });
    expect(second.reason).toBeUndefined();

    // The same state again (a status heartbeat) is not reported again.
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: ns, labels }, status: { phase: "Running" } });
    await barrier("barrier-1");
    expect(reports.map(([id]) => id)).toEqual([jobId, jobId, "barrier-1"]);
  });

  it("When objects without the job label change, then nothing is reported", async () => {
    const before = reports.length;
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "system-pod", namespace: "kube-system" }, status: { phase: "Running" } });
    await barrier("barrier-2");
    expect(reports.slice(before).map(([id]) => id)).toEqual(["barrier-2"]);
  });
});
