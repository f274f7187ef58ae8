import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarizeWorkload } from "../../apps/cluster-applier/workload/summarize-workload";
import { WorkloadWatcher } from "../../apps/cluster-applier/workload/workload-watcher";
import { JOB_ID_LABEL, jobOutcome, streamIsOver, waitIsOver, type Workload } from "../../apps/shared/contract";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { eventually } from "../support/eventually";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";
import { REDIS_URL, removeRedisKeys, uniquePrefix } from "../support/test-stack";

const at = "2026-12-07T10:00:00.000Z";
const owner = [{ kind: "Job", name: "train", apiVersion: "batch/v1", uid: "u" }];
const terminated = (exitCode: number, reason: string, finishedAt = "2026-12-07T09:59:00Z") => ({ exitCode, reason, startedAt: "2026-12-07T09:50:00Z", finishedAt });
const oomPod = { metadata: { name: "train-a", ownerReferences: owner }, status: { phase: "Failed", startTime: "2026-12-07T09:49:00Z", containerStatuses: [{ name: "trainer", restartCount: 0, state: { terminated: terminated(137, "OOMKilled") } }] } };
const failedJob = {
  metadata: { name: "train" },
  status: { startTime: "2026-12-07T09:49:00Z", conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", lastTransitionTime: "2026-12-07T09:59:01Z" }] },
};

describe("why a workload ended (kubelet and Job controller statuses)", () => {
  it("When a Job's container is OOM-killed (exit 137) and the Job fails, then the workload is Failed and final, naming the container, 137 and OOMKilled", () => {
    const w = summarizeWorkload({ pods: [oomPod], jobs: [failedJob], deployments: [] }, at);
    expect(w).toMatchObject({ phase: "Failed", final: true, startedAt: "2026-12-07T09:49:00Z", finishedAt: "2026-12-07T09:59:01Z" });
    expect(w.reason).toBe("container trainer of Pod/train-a exited 137 (OOMKilled); Job/train: BackoffLimitExceeded");
    expect(w.containers).toEqual([{ pod: "train-a", container: "trainer", exitCode: 137, reason: "OOMKilled", restarts: 0, startedAt: "2026-12-07T09:50:00Z", finishedAt: "2026-12-07T09:59:00Z" }]);
  });

  it("When a Job's container exits 0 and the Job is Complete, then the workload is Succeeded and final with its times", () => {
    const pod = { metadata: { name: "train-a", ownerReferences: owner }, status: { phase: "Succeeded", containerStatuses: [{ name: "trainer", state: { terminated: terminated(0, "Completed") } }] } };
    const job = { metadata: { name: "train" }, status: { startTime: "2026-12-07T09:49:00Z", completionTime: "2026-12-07T09:59:02Z", conditions: [{ type: "Complete", status: "True" }] } };
    const w = summarizeWorkload({ pods: [pod], jobs: [job], deployments: [] }, at);
    expect(w).toMatchObject({ phase: "Succeeded", final: true, pods: { succeeded: 1, failed: 0 }, finishedAt: "2026-12-07T09:59:02Z" });
    expect(w.reason).toBeUndefined();
  });

  it("When a container keeps crashing, then its last termination and the restart count are reported while it restarts", () => {
    const pod = {
      metadata: { name: "train-a", ownerReferences: owner },
      status: { phase: "Running", containerStatuses: [{ name: "trainer", restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: terminated(1, "Error") } }] },
    };
    const w = summarizeWorkload({ pods: [pod], jobs: [{ metadata: { name: "train" }, status: {} }], deployments: [] }, at);
    expect(w).toMatchObject({ phase: "Pending", restarts: 3, reason: "container trainer of Pod/train-a: CrashLoopBackOff" });
    expect(w.containers?.[0]).toMatchObject({ exitCode: 1, reason: "Error", restarts: 3 });
    expect(w.final).toBeUndefined();
  });

  it("When a pod is lost to a spot reclaim (DisruptionTarget), then it counts as reclaimed, not failed, and the Job runs on", () => {
    const lost = {
      metadata: { name: "train-a", ownerReferences: owner },
      status: {
        phase: "Failed",
        conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "Pod was terminated in response to imminent node shutdown." }],
        containerStatuses: [{ name: "trainer", state: { terminated: terminated(137, "Error") } }],
      },
    };
    const replacement = { metadata: { name: "train-b", ownerReferences: owner }, status: { phase: "Running" } };
    const w = summarizeWorkload({ pods: [lost, replacement], jobs: [{ metadata: { name: "train" }, status: {} }], deployments: [] }, at);
    expect(w).toMatchObject({ phase: "Running", reclaimed: 1, pods: { failed: 0, running: 1 } });
    expect(w.containers).toBeUndefined();
  });

  it("When a pod ends at its own activeDeadlineSeconds, then the kubelet's DeadlineExceeded reason is a problem", () => {
    const pod = { metadata: { name: "solo" }, status: { phase: "Failed", reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" } };
    const w = summarizeWorkload({ pods: [pod], jobs: [], deployments: [] }, at);
    expect(w).toMatchObject({ phase: "Failed", final: true });
    expect(w.problems).toEqual(["Pod/solo: DeadlineExceeded: Pod was active on the node longer than the specified deadline"]);
  });

  it("When a Job's pods are seen without their Job (listed first, or left after its TTL deletion), then nothing is final", () => {
    const w = summarizeWorkload({ pods: [oomPod], jobs: [], deployments: [] }, at);
    expect(w.final).toBeUndefined();
    expect(w.phase).toBe("Pending");
  });

  it("When a Deployment cannot pull its image, then it is Failed with the reason but not final; when available, then available", () => {
    const dep = { metadata: { name: "web" }, spec: { replicas: 2 }, status: { availableReplicas: 2, conditions: [{ type: "Available", status: "True" }] } };
    const pulling = { metadata: { name: "web-1", ownerReferences: [{ kind: "ReplicaSet" }] }, status: { phase: "Pending", containerStatuses: [{ name: "nginx", state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nope:1"' } } }] } };
    const stuck = summarizeWorkload({ pods: [pulling], jobs: [], deployments: [{ ...dep, status: {} }] }, at);
    expect(stuck).toMatchObject({ phase: "Failed", reason: "container nginx of Pod/web-1: ImagePullBackOff", available: false });
    expect(stuck.final).toBeUndefined();
    const up = summarizeWorkload({ pods: [{ metadata: { name: "web-1" }, status: { phase: "Running" } }, { metadata: { name: "web-2" }, status: { phase: "Running" } }], jobs: [], deployments: [dep] }, at);
    expect(up).toMatchObject({ phase: "Running", available: true });
  });
});

describe("a final outcome stays (real Redis, API-server double)", () => {
  const prefix = uniquePrefix("outcome");
  let redis: Redis;
  let jobs: JobRepository;
  let api: KubeApiDouble;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    jobs = new JobRepository(redis, prefix);
    api = await startKubeApiDouble();
  });
  afterAll(async () => {
    await removeRedisKeys(prefix);
    redis.disconnect();
    await api.close();
  });

  const watcher = (reports: Workload[], id: string) =>
    new WorkloadWatcher(api.kubeConfig(), {
      logger: pino({ level: "silent" }),
      debounceMs: 20,
      report: async (jobId, _t, w) => {
        if (jobId !== id) return;
        reports.push(w);
        await jobs.setWorkload(jobId, w);
      },
    });

  it("When a newer but not final summary follows a final one, then the stored outcome is kept", async () => {
    const id = randomUUID();
    await jobs.transition(id, "DONE", at, { target: "kubernetes" }, "default");
    const final = summarizeWorkload({ pods: [oomPod], jobs: [failedJob], deployments: [] }, "2026-12-07T10:00:01.000Z");
    expect(await jobs.setWorkload(id, final)).toBe(true);
    expect(await jobs.setWorkload(id, { phase: "Pending", pods: { pending: 0, running: 0, succeeded: 0, failed: 1 }, problems: [], observedAt: "2026-12-07T10:00:02.000Z" })).toBe(false);
    expect((await jobs.get(id))!.workload).toEqual(final);
  });

  it("When a newer summary differs only in the queue position, then it replaces the stored one; an older one does not", async () => {
    const id = randomUUID();
    await jobs.transition(id, "DONE", at, { target: "kubernetes" }, "default");
    const queued = (position: number, observedAt: string): Workload => ({
      phase: "Queued",
      queue: { clusterQueue: "tenant-default", reason: "WaitingForQuota", position },
      pods: { pending: 0, running: 0, succeeded: 0, failed: 0 },
      problems: [],
      observedAt,
    });
    expect(await jobs.setWorkload(id, queued(7, "2026-12-07T10:00:01.000Z"))).toBe(true);
    // The applier's periodic refresh: same objects, a later look at the queue.
    expect(await jobs.setWorkload(id, queued(0, "2026-12-07T10:00:31.000Z"))).toBe(true);
    // Another replica's look from before that, arriving late.
    expect(await jobs.setWorkload(id, queued(3, "2026-12-07T10:00:20.000Z"))).toBe(false);
    expect((await jobs.get(id))!.workload?.queue?.position).toBe(0);
  });

  it("When the Job is deleted by its TTL and the applier restarts, then the job record still says Failed, OOMKilled, 137", async () => {
    const id = randomUUID();
    const ns = `job-${id}`;
    const labels = { [JOB_ID_LABEL]: id };
    await jobs.transition(id, "DONE", at, { target: "kubernetes" }, "default");
    const reports: Workload[] = [];
    const first = watcher(reports, id);
    await first.start();
    api.put({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "train", namespace: ns, labels }, status: { startTime: "2026-12-07T09:49:00Z" } });
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "train-a", namespace: ns, labels, ownerReferences: owner }, status: { phase: "Running" } });
    await eventually(async () => expect((await jobs.get(id))!.workload?.phase).toBe("Running"));
    // The kubelet and the Job controller write what happened.
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "train-a", namespace: ns, labels, ownerReferences: owner }, status: oomPod.status });
    api.put({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "train", namespace: ns, labels }, status: failedJob.status });
    await eventually(async () => expect((await jobs.get(id))!.workload).toMatchObject({ phase: "Failed", final: true }));
    // The TTL controller deletes the Job; its pod goes a moment later (background cascade).
    api.drop("jobs", ns, "train");
    await first.stop();
    // The applier restarts and lists what is left: the pod alone.
    const again: Workload[] = [];
    const second = watcher(again, id);
    await second.start();
    await eventually(() => expect(again.length).toBeGreaterThan(0));
    expect(again[0]!.final).toBeUndefined();
    api.drop("pods", ns, "train-a");
    await second.stop();
    const job = await jobs.get(id);
    expect(job!.workload).toMatchObject({ phase: "Failed", final: true, containers: [{ container: "trainer", exitCode: 137, reason: "OOMKilled" }] });
    expect(job!.workload!.reason).toContain("OOMKilled");
  });
});

describe("when a job can no longer change (contract: streamIsOver, waitIsOver, jobOutcome)", () => {
  const w = (extra: Partial<Workload>): Workload => ({ phase: "Running", pods: { pending: 0, running: 1, succeeded: 0, failed: 0 }, problems: [], observedAt: at, ...extra });
  const done = (workload?: Workload) => ({ status: "DONE" as const, target: "kubernetes" as const, ...(workload ? { workload } : {}) });

  it("When a batch workload is final, then the stream ends, waiting ends and the owner is told the outcome", () => {
    const failed = done(w({ phase: "Failed", final: true }));
    expect([streamIsOver(failed), waitIsOver(failed), jobOutcome(failed)]).toEqual([true, true, "Failed"]);
    const ok = done(w({ phase: "Succeeded", final: true }));
    expect([streamIsOver(ok), waitIsOver(ok), jobOutcome(ok)]).toEqual([true, true, "Succeeded"]);
    const running = done(w({}));
    expect([streamIsOver(running), waitIsOver(running), jobOutcome(running)]).toEqual([false, false, undefined]);
  });

  it("When a Deployment job is available or failing, then a waiting client is done but the stream stays open and no notice goes out", () => {
    const up = done(w({ available: true }));
    expect([streamIsOver(up), waitIsOver(up), jobOutcome(up)]).toEqual([false, true, undefined]);
    const stuck = done(w({ phase: "Failed", available: false, reason: "container nginx of Pod/web-1: ImagePullBackOff" }));
    expect([streamIsOver(stuck), waitIsOver(stuck), jobOutcome(stuck)]).toEqual([false, true, undefined]);
  });

  it("When a job is rejected, failed, or ran nothing (dry-run), then it is over with that outcome; a rollback is over without a notice", () => {
    expect(jobOutcome({ status: "REJECTED" })).toBe("Rejected");
    expect(jobOutcome({ status: "FAILED" })).toBe("Failed");
    expect(jobOutcome({ status: "DONE", target: "dry-run" })).toBe("Succeeded");
    expect([streamIsOver({ status: "ROLLED_BACK" }), jobOutcome({ status: "ROLLED_BACK" })]).toEqual([true, undefined]);
  });
});
