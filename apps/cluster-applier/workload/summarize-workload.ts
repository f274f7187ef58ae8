import type { Workload } from "../../shared/contract";
import { queueStatus, type KueueWorkload, type Positions } from "./kueue-workload";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface ContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string; message?: string } };
}
/** The parts of Pods, Jobs and Deployments read here. */
type Obj = {
  metadata?: { name?: string };
  status?: { phase?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
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

/**
 * One job's objects in the cluster, summed up for GET /jobs/:id: how many pods are in each
 * phase, the problems a user must act on, and an overall phase.
 */
export const summarizeWorkload = (o: JobObjects, observedAt: string, positions?: Positions): Workload => {
  const pods = { pending: 0, running: 0, succeeded: 0, failed: 0 };
  const problems: string[] = [];
  for (const p of o.pods) {
    const phase = String(p.status?.phase ?? "Pending").toLowerCase();
    if (phase in pods) pods[phase as keyof typeof pods]++;
    const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
    for (const c of statuses) {
      const w = c.state?.waiting;
      if (w?.reason && STUCK.has(w.reason)) problems.push(`Pod/${p.metadata?.name} container ${c.name}: ${w.reason}${w.message ? `: ${w.message}` : ""}`);
    }
    const scheduled = condition(p, "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") problems.push(`Pod/${p.metadata?.name}: Unschedulable: ${scheduled.message ?? ""}`.trim());
  }
  let refused = false;
  for (const d of o.deployments) {
    const failure = condition(d, "ReplicaFailure");
    if (failure?.status === "True") {
      refused = true;
      problems.push(`Deployment/${d.metadata?.name}: ${failure.reason ?? "ReplicaFailure"}: ${failure.message ?? ""}`.trim());
    }
  }
  let jobFailed = false;
  for (const j of o.jobs) {
    const failed = condition(j, "Failed");
    if (failed?.status === "True") {
      jobFailed = true;
      problems.push(`Job/${j.metadata?.name}: ${failed.reason ?? "Failed"}: ${failed.message ?? ""}`.trim());
    }
  }
  const jobsComplete = o.jobs.length > 0 && o.jobs.every((j) => condition(j, "Complete")?.status === "True");
  const longRunning = o.deployments.length > 0;

  let phase: Workload["phase"] = "Pending";
  if (jobFailed || refused || (pods.failed > 0 && pods.running + pods.pending === 0 && pods.succeeded === 0)) phase = "Failed";
  else if (!longRunning && (jobsComplete || (o.jobs.length === 0 && pods.succeeded > 0 && pods.running + pods.pending === 0))) phase = "Succeeded";
  else if (pods.running > 0 && problems.length === 0) phase = "Running";
  // Waiting for Kueue: nothing of the job runs yet and a workload is not admitted.
  const queue = phase === "Pending" && pods.running === 0 ? queueStatus(o.workloads ?? [], positions) : undefined;
  if (queue) return { phase: "Queued", queue, pods, problems, observedAt };
  return { phase, pods, problems, observedAt };
};
