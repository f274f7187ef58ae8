import { MissingPriceError } from "./prices";

export interface MachineShape {
  vcpus: number;
  memoryGiB: number;
}

/**
 * Predefined E2 and N2 shapes: standard has 4 GiB per vCPU, highmem 8, highcpu 1
 * (https://cloud.google.com/compute/docs/general-purpose-machines). Only the sizes each
 * series offers; shared-core types (e2-micro/small/medium) are left out on purpose.
 */
const SIZES: Record<string, number[]> = {
  e2: [2, 4, 8, 16, 32],
  n2: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
};
const GIB_PER_VCPU: Record<string, number> = { standard: 4, highmem: 8, highcpu: 1 };

export const machineShape = (machineType: string): MachineShape => {
  const m = /^([a-z0-9]+)-(standard|highmem|highcpu)-(\d+)$/.exec(machineType);
  const vcpus = m ? Number(m[3]) : NaN;
  if (!m || !SIZES[m[1]!]?.includes(vcpus)) throw new MissingPriceError(`machine type ${machineType} (known: e2/n2 standard, highmem, highcpu)`);
  return { vcpus, memoryGiB: vcpus * GIB_PER_VCPU[m[2]!]! };
};

/** Tiers as (size of the tier, share reserved); the last tier is open-ended. */
const MEMORY_TIERS: [number, number][] = [
  [4, 0.25],
  [4, 0.2],
  [8, 0.1],
  [112, 0.06],
  [Infinity, 0.02],
];
const CPU_TIERS: [number, number][] = [
  [1, 0.06],
  [1, 0.01],
  [2, 0.005],
  [Infinity, 0.0025],
];
const tiered = (amount: number, tiers: [number, number][]) => {
  let left = amount;
  let reserved = 0;
  for (const [size, share] of tiers) {
    const part = Math.min(left, size);
    reserved += part * share;
    left -= part;
    if (left <= 0) break;
  }
  return reserved;
};

/** What kubelet keeps free for eviction, on top of the reservation. */
export const EVICTION_THRESHOLD_GIB = 100 / 1024;

/**
 * A GKE Standard node's allocatable CPU and memory: capacity minus GKE's reservation for the
 * OS and node components, minus the eviction threshold. The tiers are those documented in
 * https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes#memory_and_cpu_reservations
 * (memory: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112,
 * 2% above 128, or 255 MiB below 1 GiB; CPU: 6% of the first core, 1% of the next, 0.5% of
 * the next 2, 0.25% above 4; plus 100 MiB for eviction).
 */
export const gkeAllocatable = (shape: MachineShape): MachineShape => {
  const memoryReserved = shape.memoryGiB < 1 ? 255 / 1024 : tiered(shape.memoryGiB, MEMORY_TIERS);
  return {
    vcpus: shape.vcpus - tiered(shape.vcpus, CPU_TIERS),
    memoryGiB: shape.memoryGiB - memoryReserved - EVICTION_THRESHOLD_GIB,
  };
};
