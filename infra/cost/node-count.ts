import type { Requests } from "../../apps/shared/usage/pod-requests";
import type { MachineShape } from "./machine-types";
import type { PlatformPods } from "./platform-workloads";

/**
 * GKE's own pods (kube-system: DNS, metrics-server, konnectivity, and per node the logging,
 * metrics, Workload Identity metadata server, PD CSI and Dataplane V2 agents). GKE does not
 * publish their requests and they vary by version: these are ESTIMATES, not from a source.
 * Compare with `kubectl describe nodes` (Allocated resources) after `pulumi up`.
 */
export const GKE_SYSTEM = {
  perNode: { cpu: 0.3, memoryGiB: 0.35, gpus: 0 } satisfies Requests,
  perCluster: { cpu: 0.7, memoryGiB: 0.6, gpus: 0 } satisfies Requests,
  note: "estimate: GKE does not document its system pods' requests",
};

export interface NodeCount {
  /** Nodes the pods need, packed first-fit decreasing on allocatable minus per-node system pods. */
  needed: number;
  /** Pods that fit on no node of this shape at all. */
  unschedulable: string[];
}

/**
 * How many nodes of one shape the pods need. First-fit decreasing over two dimensions (CPU
 * and memory requests), largest share of a node first: not optimal, but close, and what a
 * person checking by hand would do. A cluster with any pod at all needs at least one node
 * (GKE's own system pods need one too: "at least one node must always be available in the
 * cluster to run system Pods", https://cloud.google.com/kubernetes-engine/docs/concepts/cluster-autoscaler).
 */
export const nodesNeeded = (pods: PlatformPods[], allocatable: MachineShape): NodeCount => {
  const room = { cpu: allocatable.vcpus - GKE_SYSTEM.perNode.cpu, mem: allocatable.memoryGiB - GKE_SYSTEM.perNode.memoryGiB };
  const items: { name: string; cpu: number; mem: number }[] = [{ name: "GKE system pods", cpu: GKE_SYSTEM.perCluster.cpu, mem: GKE_SYSTEM.perCluster.memoryGiB }];
  for (const p of pods) for (let i = 0; i < p.replicas; i++) items.push({ name: p.workload, cpu: p.requests.cpu, mem: p.requests.memoryGiB });
  const unschedulable = [...new Set(items.filter((x) => x.cpu > room.cpu || x.mem > room.mem).map((x) => x.name))];
  const fits = items.filter((x) => x.cpu <= room.cpu && x.mem <= room.mem);
  const share = (x: { cpu: number; mem: number }) => Math.max(x.cpu / room.cpu, x.mem / room.mem);
  fits.sort((a, b) => share(b) - share(a));
  const bins: { cpu: number; mem: number }[] = [];
  for (const x of fits) {
    const bin = bins.find((b) => b.cpu + x.cpu <= room.cpu + 1e-9 && b.mem + x.mem <= room.mem + 1e-9);
    if (bin) {
      bin.cpu += x.cpu;
      bin.mem += x.mem;
    } else bins.push({ cpu: x.cpu, mem: x.mem });
  }
  return { needed: Math.max(1, bins.length), unschedulable };
};
