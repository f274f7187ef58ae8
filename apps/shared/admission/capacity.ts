import { GKE_ACCELERATOR_LABEL, GPU_TAINT, type QueueCapacity } from "../contract";
import { podRequests, type PodSpecLike } from "../usage/pod-requests";
import { ensureObj, isObj, listAt, objAt, type Obj, type Report } from "./finding";

/**
 * Admission against the stack's Kueue capacity (QUEUE_CAPACITY): what the queues could never
 * admit is refused at submit, saying what is available, instead of waiting in a queue forever.
 * Kueue admits a workload whole (a Job's pods at its parallelism, a Deployment's replicas one by
 * one as plain pods), so the sizes compared are the workload's.
 */

/** How many pods of the template Kueue admits together (Deployment and StatefulSet pods: one each). */
const podsAdmittedTogether = (obj: Obj): number => {
  const spec = objAt(obj, "spec") ?? {};
  if (obj.kind === "Job") return typeof spec.parallelism === "number" ? spec.parallelism : 1;
  if (obj.kind === "CronJob") {
    const p = objAt(objAt(objAt(spec, "jobTemplate") ?? {}, "spec") ?? {}, "parallelism");
    return typeof p === "number" ? p : 1;
  }
  return 1;
};

const fmt = (n: number) => `${Math.round(n * 100) / 100}`;

/**
 * Refuse GPU requests the stack cannot serve and workloads larger than the cohort; then give a
 * GPU pod what it needs to reach the GPU pool (GKE's GPU taint tolerated, the accelerator
 * selected), saying so. Runs after the placement check, which refuses node pinning by the user.
 */
export const checkCapacity = (obj: Obj, spec: Obj, capacity: QueueCapacity | undefined, tenant: string, r: Report): void => {
  if (!capacity) return;
  const pod = podRequests(spec as PodSpecLike);
  const n = podsAdmittedTogether(obj);
  const wanted = { cpu: pod.cpu * n, memoryGiB: pod.memoryGiB * n, gpus: pod.gpus * n };
  const selector = objAt(spec, "nodeSelector") ?? {};
  const model = selector[GKE_ACCELERATOR_LABEL];
  const gpu = capacity.gpu;
  if (pod.gpus > 0 && !gpu) {
    r.bad("containers", "capacity/no-gpu", `the pod requests ${fmt(pod.gpus)} GPU(s), but this stack has no GPU pool (CPU and memory only); ask the operator for one (jobPools.gpu)`);
    return;
  }
  if (model !== undefined && model !== gpu?.accelerator) {
    r.bad(`nodeSelector.${GKE_ACCELERATOR_LABEL}`, "capacity/gpu-model", `GPU ${String(model)} is not offered here; ${gpu ? `this stack offers ${gpu.accelerator}` : "this stack has no GPUs"}`);
    return;
  }
  if (gpu && pod.gpus > gpu.gpusPerNode) {
    r.bad("containers", "capacity/gpus-per-pod", `the pod requests ${fmt(pod.gpus)} GPUs, but one node of the GPU pool has ${gpu.gpusPerNode} (${gpu.accelerator}); a pod cannot span nodes`);
  }
  const own = capacity.tenants[tenant] ?? { cpu: 0, memoryGiB: 0, gpus: 0 };
  const c = capacity.cohort;
  const over = (what: string, want: number, unit: string, quota: number, cohort: number) =>
    r.bad(
      "containers",
      "capacity/quota",
      `the workload requests ${fmt(want)}${unit} ${what} at once (${n} pod(s)), more than can ever be admitted: your quota is ${fmt(quota)}${unit} and the whole cohort, all tenants' quotas lent to you, ${fmt(cohort)}${unit}`,
    );
  if (wanted.gpus > c.gpus) over("GPUs", wanted.gpus, "", own.gpus, c.gpus);
  if (wanted.cpu > c.cpu) over("CPU", wanted.cpu, " cores", own.cpu, c.cpu);
  if (wanted.memoryGiB > c.memoryGiB) over("memory", wanted.memoryGiB, " GiB", own.memoryGiB, c.memoryGiB);

  if (gpu && pod.gpus > 0) addGpuPlacement(spec, gpu.accelerator, r);
};

/** GKE's GPU taint tolerated and the accelerator selected, each added only when missing. */
const addGpuPlacement = (spec: Obj, accelerator: string, r: Report) => {
  const selector = ensureObj(spec, "nodeSelector");
  if (selector[GKE_ACCELERATOR_LABEL] === undefined) {
    selector[GKE_ACCELERATOR_LABEL] = accelerator;
    r.changed(`nodeSelector.${GKE_ACCELERATOR_LABEL}`, `the platform added nodeSelector ${GKE_ACCELERATOR_LABEL}: ${accelerator} (its GPU pool)`);
  }
  const tolerations = listAt(spec, "tolerations");
  if (!tolerations.some((t) => isObj(t) && t.key === GPU_TAINT.key)) {
    spec.tolerations = [...tolerations, { key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }];
    r.changed("tolerations", `the platform added a toleration of ${GPU_TAINT.key}:${GPU_TAINT.effect} (GKE's taint on GPU nodes)`);
  }
};
