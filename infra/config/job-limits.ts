import { z } from "zod";
import { quantity } from "../../apps/shared/admission/quantity";
import type { QueueCapacity } from "../../apps/shared/contract";
import { gkeAllocatable, machineShape, type MachineShape } from "../cost/machine-types";
import { GKE_SYSTEM } from "../cost/node-count";
import { queueCapacity } from "../platform-services/kueue-objects";
import type { JobPools } from "../../stacks/presets";
import { GPU_MACHINES, type Tenant } from "./tenants";

/**
 * How big one job and one of its containers may be: the numbers the Cluster Applier installs in
 * each job namespace (ResourceQuota, LimitRange) and the YAML Manager checks at submit
 * (JOB_QUOTA_CPU/MEMORY, JOB_MAX_CPU/MEMORY). Derived from the stack config that decides them,
 * so they cannot disagree with the tenants' quotas or the job pools' machines:
 * - a job may use up to the largest tenant's capacity (its ClusterQueue's nominal quota, its
 *   GPUs' hosts included), or less if the stack config caps it (`jobLimits`); Kueue still admits
 *   each tenant's workloads against its own quota and what it may borrow;
 * - a container may ask for what is free on the largest job-pool node: its GKE allocatable less
 *   GKE's per-node system pods, so a container that passes admission fits on a node of that pool.
 */

const Quantity = z.union([z.string(), z.number()]).transform((v) => String(v));
/** The stack config's optional cap on one job (`jobLimits`): below the tenants' quotas. */
export const JobLimitsConfig = z.object({ cpu: Quantity.optional(), memory: Quantity.optional() }).strict();
export type JobLimitsConfig = z.infer<typeof JobLimitsConfig>;

export interface JobSizes {
  /** One job namespace's ResourceQuota: requests and limits of CPU and memory. */
  quota: { cpu: string; memory: string };
  /** The LimitRange's maximum per container. */
  container: { maxCpu: string; maxMemory: string };
}

/** A job pool's machine: E2/N2 by their predefined shape, G2 from GPU_MACHINES; unknown: undefined. */
const machineOf = (machineType: string): MachineShape | undefined => {
  const gpu = GPU_MACHINES[machineType];
  if (gpu) return { vcpus: gpu.vcpus, memoryGiB: gpu.memoryGiB };
  try {
    return machineShape(machineType);
  } catch {
    return undefined;
  }
};

/** What one container may use on a node: allocatable less the per-node system pods (an estimate, see GKE_SYSTEM). */
const roomFor = (machine: MachineShape) => {
  const a = gkeAllocatable(machine);
  return { cpu: a.vcpus - GKE_SYSTEM.perNode.cpu, memoryGiB: a.memoryGiB - GKE_SYSTEM.perNode.memoryGiB };
};

/** The most room a container has on a node of the job pools (CPU first, then memory, of the same node). */
const largestJobNode = (pools: JobPools) =>
  [pools.cpu, pools.gpu]
    .flatMap((p) => {
      const m = p && machineOf(p.machineType);
      return m ? [roomFor(m)] : [];
    })
    .sort((a, b) => b.cpu - a.cpu || b.memoryGiB - a.memoryGiB)[0];

// Rounded down, so the quantity never promises more than is there.
const cpuQuantity = (cores: number) => (Number.isInteger(cores) ? String(cores) : `${Math.floor(cores * 1000 + 1e-6)}m`);
const memoryQuantity = (gib: number) => (Number.isInteger(gib) ? `${gib}Gi` : `${Math.floor(gib * 1024 + 1e-6)}Mi`);

/** The largest tenant capacity per resource, and whose it is. */
const largestTenant = (capacity: QueueCapacity, key: "cpu" | "memoryGiB") =>
  Object.entries(capacity.tenants).reduce<{ name: string; value: number }>((best, [name, t]) => (t[key] > best.value ? { name, value: t[key] } : best), { name: "", value: 0 });

/**
 * What is wrong with `jobLimits` and the pools for deriving the job's sizes, each a sentence
 * saying what to fix. Expects tenants and pools that passed their own checks.
 */
export const checkJobLimits = (cap: JobLimitsConfig | undefined, tenants: Tenant[], pools: JobPools): string[] => {
  const problems: string[] = [];
  if (!machineOf(pools.cpu.machineType)) {
    problems.push(`jobPools.cpu.machineType ${pools.cpu.machineType}: its vCPUs and memory are not known (infra/cost/machine-types.ts: e2/n2 standard, highmem, highcpu), so the largest container a job may ask for cannot be derived`);
  }
  const capacity = queueCapacity(tenants, pools);
  const check = (key: "cpu" | "memory", bytes: number, unit: string) => {
    const raw = cap?.[key];
    if (raw === undefined) return;
    const n = quantity(raw);
    const top = largestTenant(capacity, key === "cpu" ? "cpu" : "memoryGiB");
    if (n === undefined || n <= 0) {
      problems.push(`jobLimits.${key}: "${raw}" is not a positive Kubernetes quantity (e.g. ${key === "cpu" ? "16 or 500m" : "64Gi"})`);
    } else if (n / bytes > top.value + 1e-9) {
      problems.push(
        `jobLimits.${key}: ${raw} is above every tenant's quota (the largest is ${top.name}'s, ${Math.round(top.value * 1000) / 1000}${unit} with its GPUs' hosts), so it would cap nothing; lower it, or raise tenants.${top.name}.${key}`,
      );
    }
  };
  check("cpu", 1, " CPU");
  check("memory", 2 ** 30, " GiB");
  return problems;
};

/** The job's sizes from the tenants' capacity, the stack's cap and the job pools (checked by checkJobLimits first). */
export const jobSizes = (capacity: QueueCapacity, pools: JobPools, cap: JobLimitsConfig = {}): JobSizes => {
  const room = largestJobNode(pools);
  if (!room) throw new Error(`no job pool machine of known size (jobPools.cpu.machineType ${pools.cpu.machineType}); see checkJobLimits`);
  const capped = (own: string | undefined, bytes: number, largest: number, format: (n: number) => string) => {
    const n = own === undefined ? undefined : quantity(own);
    return n !== undefined && n / bytes < largest ? own! : format(largest);
  };
  return {
    quota: {
      cpu: capped(cap.cpu, 1, largestTenant(capacity, "cpu").value, cpuQuantity),
      memory: capped(cap.memory, 2 ** 30, largestTenant(capacity, "memoryGiB").value, memoryQuantity),
    },
    container: { maxCpu: cpuQuantity(room.cpu), maxMemory: memoryQuantity(room.memoryGiB) },
  };
};
