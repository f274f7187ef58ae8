import { cores, gib } from "./quantity";

/** What a pod asks the scheduler for: CPU cores, memory GiB, whole GPUs. */
export interface Requests {
  cpu: number;
  memoryGiB: number;
  gpus: number;
}

type ResourceMap = Record<string, string | number | undefined>;
interface Container {
  resources?: { requests?: ResourceMap; limits?: ResourceMap };
  restartPolicy?: string;
}
export interface PodSpecLike {
  containers?: Container[];
  initContainers?: Container[];
  overhead?: ResourceMap;
}

/** Extended resources that are GPUs (device plugins of NVIDIA and AMD). */
const GPU_RESOURCES = ["nvidia.com/gpu", "amd.com/gpu"];

/**
 * A container's requests. Where only a limit is given, the API server copies it into the
 * request (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/);
 * for extended resources such as GPUs a request, if given, must equal the limit.
 */
const containerRequests = (c: Container): Requests => {
  const pick = (name: string) => c.resources?.requests?.[name] ?? c.resources?.limits?.[name];
  return { cpu: cores(pick("cpu")), memoryGiB: gib(pick("memory")), gpus: GPU_RESOURCES.reduce((n, r) => n + cores(pick(r)), 0) };
};

const add = (a: Requests, b: Requests): Requests => ({ cpu: a.cpu + b.cpu, memoryGiB: a.memoryGiB + b.memoryGiB, gpus: a.gpus + b.gpus });
const max = (a: Requests, b: Requests): Requests => ({ cpu: Math.max(a.cpu, b.cpu), memoryGiB: Math.max(a.memoryGiB, b.memoryGiB), gpus: Math.max(a.gpus, b.gpus) });
export const ZERO: Requests = Object.freeze({ cpu: 0, memoryGiB: 0, gpus: 0 });

/**
 * The pod's effective request, as the scheduler computes it: the larger of (app containers +
 * sidecars) and each init container (+ the sidecars started before it), per resource, plus
 * the RuntimeClass overhead. Sources: "Resource sharing within containers" in
 * https://kubernetes.io/docs/concepts/workloads/pods/init-containers/ and the sidecar rules in
 * https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/ .
 */
export const podRequests = (spec: PodSpecLike | undefined): Requests => {
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const c of spec?.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === "Always") sidecars = add(sidecars, r);
    else initPeak = max(initPeak, add(sidecars, r));
  }
  const running = (spec?.containers ?? []).reduce((sum, c) => add(sum, containerRequests(c)), sidecars);
  const overhead = containerRequests({ resources: { requests: spec?.overhead ?? {} } });
  return add(max(running, initPeak), overhead);
};
