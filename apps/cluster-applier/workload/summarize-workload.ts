import { WORKLOAD_CONTAINERS_MAX, type ContainerOutcome, type Workload } from "../../shared/contract";
import { queueStatus, type Condition, type KueueWorkload, type Positions } from "./kueue-workload";

interface Terminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}
interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}
/** The parts of Pods, Jobs and Deployments read here. */
type Obj = {
  metadata?: { name?: string; ownerReferences?: { kind?: string }[] };
  spec?: { replicas?: number };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    completionTime?: string;
    availableReplicas?: number;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
};
export interface JobObjects {
  pods: Obj[];
  jobs: Obj[];
  deployments: Obj[];
  /** Kueue's Workload objects of the job (kueue.x-k8s.io), when Kueue runs. */
  workloads?: KueueWorkload[];
}

/** Container states that will not fix themselves without a change to the job. */
const STUCK = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError"]);

const condition = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type);
const isTrue = (o: Obj, type: string) => condition(o, type)?.status === "True";

/**
 * A pod lost to a disruption rather than to its own failure: the DisruptionTarget condition,
 * which the scheduler (preemption), the eviction API, the pod GC and the kubelet's graceful
 * node shutdown (how a GKE spot reclaim reaches a pod) set before the pod goes
 * (kubernetes/kubernetes@v1.36.3: staging/src/k8s.io/api/core/v1/types.go, DisruptionTarget and
 * its PodReason* values; pkg/kubelet/nodeshutdown/nodeshutdown_manager.go).
 */
const disrupted = (p: Obj) => isTrue(p, "DisruptionTarget");

const min = (xs: (string | undefined)[]) => xs.filter((x): x is string => Boolean(x)).sort()[0];
const max = (xs: (string | undefined)[]) => xs.filter((x): x is string => Boolean(x)).sort().at(-1);

/** The container's own end, or while it restarts its last one; none while it never ended. */
const outcomeOf = (pod: string, c: ContainerStatus): ContainerOutcome | undefined => {
  const t = c.state?.terminated ?? c.lastState?.terminated;
  if (!t) return undefined;
  // `name` is required by the API; a status without one must not keep the whole summary from being reported.
  const o: ContainerOutcome = { pod, container: c.name ?? "(unnamed)", restarts: c.restartCount ?? 0 };
  if (t.exitCode !== undefined) o.exitCode = t.exitCode;
  if (t.signal !== undefined) o.signal = t.signal;
  if (t.reason) o.reason = t.reason;
  if (t.message) o.message = t.message.slice(0, 512);
  if (t.startedAt) o.startedAt = t.startedAt;
  if (t.finishedAt) o.finishedAt = t.finishedAt;
  return o;
};
const failedOutcome = (o: ContainerOutcome) => (o.exitCode !== undefined && o.exitCode !== 0) || (o.reason !== undefined && o.reason !== "Completed");
export const describeOutcome = (o: ContainerOutcome): string =>
  `container ${o.container} of Pod/${o.pod} ${o.exitCode !== undefined ? `exited ${o.exitCode}` : "ended"}${o.reason ? ` (${o.reason})` : ""}`;

/**
 * One job's objects in the cluster, summed up for GET /jobs/:id: how many pods are in each
 * phase, how each container ended, the problems a user must act on, and an overall phase.
 *
 * What the reasons mean, at kubernetes/kubernetes@v1.36.3:
 * - A Job's `Failed` condition: `BackoffLimitExceeded`, `DeadlineExceeded`
 *   (activeDeadlineSeconds), `PodFailurePolicy`, `MaxFailedIndexesExceeded`; `Complete` once it
 *   succeeded (pkg/controller/job/job_controller.go, staging/src/k8s.io/api/batch/v1/types.go).
 *   Both are terminal: the controller never removes them, so the outcome is final.
 * - A pod's `status.reason` `DeadlineExceeded`: the kubelet stopped it at the pod's own
 *   activeDeadlineSeconds (pkg/kubelet/active_deadline.go).
 * - A container's `terminated.reason` comes from the container runtime through the CRI
 *   (pkg/kubelet/kuberuntime/kuberuntime_container.go): `OOMKilled` when the kernel killed it
 *   for memory (exit code 137 = 128 + SIGKILL), `Error` for a non-zero exit, `Completed` for 0.
 */
export const summarizeWorkload = (o: JobObjects, observedAt: string, positions?: Positions): Workload => {
  const pods = { pending: 0, running: 0, succeeded: 0, failed: 0 };
  const problems: string[] = [];
  const outcomes: ContainerOutcome[] = [];
  let restarts = 0;
  let reclaimed = 0;
  let stuck: string | undefined;
  for (const p of o.pods) {
    const name = p.metadata?.name ?? "";
    const phase = String(p.status?.phase ?? "Pending").toLowerCase();
    const lost = disrupted(p) && phase === "failed";
    if (lost) reclaimed++;
    else if (phase in pods) pods[phase as keyof typeof pods]++;
    const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
    for (const c of statuses) {
      restarts += c.restartCount ?? 0;
      const w = c.state?.waiting;
      if (w?.reason && STUCK.has(w.reason)) {
        problems.push(`Pod/${name} container ${c.name}: ${w.reason}${w.message ? `: ${w.message}` : ""}`);
        stuck ??= `container ${c.name} of Pod/${name}: ${w.reason}`;
      }
      const outcome = lost ? undefined : outcomeOf(name, c);
      if (outcome) outcomes.push(outcome);
    }
    if (phase === "failed" && !lost && p.status?.reason) problems.push(`Pod/${name}: ${p.status.reason}${p.status.message ? `: ${p.status.message}` : ""}`);
    const scheduled = condition(p, "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
      problems.push(`Pod/${name}: Unschedulable: ${scheduled.message ?? ""}`.trim());
      stuck ??= `Pod/${name}: Unschedulable`;
    }
  }
  let refused: string | undefined;
  for (const d of o.deployments) {
    const failure = condition(d, "ReplicaFailure");
    const progressing = condition(d, "Progressing");
    if (failure?.status === "True") {
      problems.push(`Deployment/${d.metadata?.name}: ${failure.reason ?? "ReplicaFailure"}: ${failure.message ?? ""}`.trim());
      refused ??= `Deployment/${d.metadata?.name}: ${failure.reason ?? "ReplicaFailure"}`;
    } else if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
      problems.push(`Deployment/${d.metadata?.name}: ProgressDeadlineExceeded: ${progressing.message ?? ""}`.trim());
      refused ??= `Deployment/${d.metadata?.name}: ProgressDeadlineExceeded`;
    }
  }
  let jobFailed: string | undefined;
  for (const j of o.jobs) {
    const failed = condition(j, "Failed");
    if (failed?.status === "True") {
      problems.push(`Job/${j.metadata?.name}: ${failed.reason ?? "Failed"}: ${failed.message ?? ""}`.trim());
      jobFailed ??= `Job/${j.metadata?.name}: ${failed.reason ?? "Failed"}`;
    }
  }
  const jobsComplete = o.jobs.length > 0 && o.jobs.every((j) => isTrue(j, "Complete"));
  const longRunning = o.deployments.length > 0;
  const podsDone = pods.running + pods.pending === 0;
  // Pods alone decide only when nothing owns them: a Job's or ReplicaSet's pods seen before
  // their owner (an informer lists kinds in any order) or after it (TTL deletion) decide nothing.
  const barePods = o.jobs.length === 0 && !longRunning && !o.pods.some((p) => (p.metadata?.ownerReferences?.length ?? 0) > 0);

  let phase: Workload["phase"] = "Pending";
  if (jobFailed || refused || (barePods && pods.failed > 0 && podsDone && pods.succeeded === 0)) phase = "Failed";
  else if (!longRunning && (jobsComplete || (barePods && pods.succeeded > 0 && podsDone))) phase = "Succeeded";
  else if (longRunning && stuck) phase = "Failed";
  else if (pods.running > 0 && problems.length === 0) phase = "Running";

  // Failures first (the newest first among them), then the rest; a bounded list.
  outcomes.sort((a, b) => Number(failedOutcome(b)) - Number(failedOutcome(a)) || (b.finishedAt ?? "").localeCompare(a.finishedAt ?? ""));
  const worst = outcomes.find(failedOutcome);
  const final = !longRunning && (phase === "Succeeded" || phase === "Failed");

  // Waiting for Kueue: nothing of the job runs yet and a workload is not admitted.
  const queue = phase === "Pending" && pods.running === 0 ? queueStatus(o.workloads ?? [], positions) : undefined;
  if (queue) return { phase: "Queued", queue, pods, problems, observedAt };

  const w: Workload = { phase, pods, problems, observedAt };
  if (phase === "Failed") {
    const why = jobFailed ?? refused ?? stuck;
    w.reason = [worst ? describeOutcome(worst) : undefined, why].filter(Boolean).join("; ") || "failed";
  } else if (stuck || refused) w.reason = stuck ?? refused;
  if (final) w.final = true;
  if (longRunning) w.available = o.deployments.every((d) => isTrue(d, "Available") && (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1));
  if (outcomes.length > 0) w.containers = outcomes.slice(0, WORKLOAD_CONTAINERS_MAX);
  if (restarts > 0) w.restarts = restarts;
  if (reclaimed > 0) w.reclaimed = reclaimed;
  const startedAt = min([...o.jobs.map((j) => j.status?.startTime), ...o.pods.map((p) => p.status?.startTime)]);
  if (startedAt) w.startedAt = startedAt;
  if (final) {
    const finishedAt = max([
      ...o.jobs.map((j) => j.status?.completionTime ?? condition(j, "Failed")?.lastTransitionTime),
      ...outcomes.map((c) => c.finishedAt),
    ]);
    if (finishedAt) w.finishedAt = finishedAt;
  }
  return w;
};
