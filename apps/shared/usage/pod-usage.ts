import type { PodUsage, UsageRates, UsageTotals } from "../contract";
import { podRequests, type PodSpecLike } from "./pod-requests";

/** The parts of a Pod read here. */
export interface PodLike {
  metadata?: { uid?: string; name?: string };
  spec?: PodSpecLike;
  status?: {
    phase?: string;
    startTime?: string;
    conditions?: { lastTransitionTime?: string }[];
    containerStatuses?: { state?: { terminated?: { finishedAt?: string } } }[];
    initContainerStatuses?: { state?: { terminated?: { finishedAt?: string } } }[];
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const time = (s: string | undefined) => (s ? Date.parse(s) : NaN);

/**
 * One pod's usage record, or null for a pod that never started (no `status.startTime`: not
 * yet bound to a node and acknowledged by its kubelet). What is counted:
 * - from `status.startTime` (the kubelet took the pod; image pulls count, the node is held),
 * - to the last container `finishedAt` of a Succeeded/Failed pod, or the moment the pod was
 *   seen deleted (`goneAt`), or, while it runs, up to `observedAt` (no end yet),
 * - times the pod's effective requests (podRequests), not what it actually used.
 */
export const podUsageOf = (pod: PodLike, observedAt: string, goneAt?: string): PodUsage | null => {
  const uid = pod.metadata?.uid;
  const start = time(pod.status?.startTime);
  if (!uid || Number.isNaN(start)) return null;
  const r = podRequests(pod.spec);
  let end: number | undefined;
  if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") {
    const finished = [...(pod.status.containerStatuses ?? []), ...(pod.status.initContainerStatuses ?? [])]
      .map((c) => time(c.state?.terminated?.finishedAt))
      .filter((t) => !Number.isNaN(t));
    // Without a container finish time (a pod evicted before its containers ran), the last
    // condition change is when it ended: stable, unlike the observation time.
    const changed = (pod.status.conditions ?? []).map((c) => time(c.lastTransitionTime)).filter((t) => !Number.isNaN(t));
    end = finished.length ? Math.max(...finished) : changed.length ? Math.max(...changed) : time(goneAt ?? observedAt);
  } else if (goneAt) end = time(goneAt);
  const observed = Math.max(time(observedAt), start);
  return {
    uid,
    name: pod.metadata?.name ?? uid,
    startedAt: iso(start),
    ...(end === undefined ? {} : { endedAt: iso(Math.max(end, start)) }),
    observedAt: iso(end === undefined ? observed : Math.max(observed, end)),
    cpu: r.cpu,
    memoryGiB: r.memoryGiB,
    gpus: r.gpus,
  };
};

export const ZERO_TOTALS: UsageTotals = Object.freeze({ cpuCoreSeconds: 0, memoryGiBSeconds: 0, gpuSeconds: 0, estimatedCostUsd: 0 });

/** Seconds of the pod's life inside [from, to) (the whole life without a window). */
export const secondsWithin = (p: PodUsage, window?: { from: number; to: number }): number => {
  let start = time(p.startedAt);
  let end = time(p.endedAt ?? p.observedAt);
  if (window) {
    start = Math.max(start, window.from);
    end = Math.min(end, window.to);
  }
  return Math.max(0, end - start) / 1000;
};

/** Requests × seconds, summed; the cost at the rates (per hour) of the deployments pool. */
export const totalsOf = (pods: PodUsage[], rates: UsageRates, window?: { from: number; to: number }): UsageTotals => {
  const t = { cpuCoreSeconds: 0, memoryGiBSeconds: 0, gpuSeconds: 0 };
  for (const p of pods) {
    const s = secondsWithin(p, window);
    t.cpuCoreSeconds += p.cpu * s;
    t.memoryGiBSeconds += p.memoryGiB * s;
    t.gpuSeconds += p.gpus * s;
  }
  const estimatedCostUsd = (t.cpuCoreSeconds * rates.cpuCoreHourUsd + t.memoryGiBSeconds * rates.memoryGiBHourUsd + t.gpuSeconds * rates.gpuHourUsd) / 3600;
  return { ...t, estimatedCostUsd };
};

export const addTotals = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  cpuCoreSeconds: a.cpuCoreSeconds + b.cpuCoreSeconds,
  memoryGiBSeconds: a.memoryGiBSeconds + b.memoryGiBSeconds,
  gpuSeconds: a.gpuSeconds + b.gpuSeconds,
  estimatedCostUsd: a.estimatedCostUsd + b.estimatedCostUsd,
});
