import type { UsageRates } from "../../apps/shared/contract";
import type { GpuPoolSize } from "../../stacks/presets";
import { GPU_MACHINES } from "../config/tenants";
import { gpuNodePrice } from "./gpu-prices";
import { familyRates } from "./prices";

/**
 * What a job's requested core, GiB and GPU cost per hour. Cores and GiB: the CPU job pool's node
 * price split the way Compute Engine prices E2/N2 machines (per vCPU and per GiB). A GPU-hour:
 * the GPU pool's node price per GPU, less the CPU and memory that come with that GPU priced at
 * the core and GiB rates (a GPU job's own requests are priced at those rates already), so a job
 * holding a whole G2 node costs about that node. No GPU pool: GPU time is counted, priced 0.
 */
export const usageRatesFor = (region: string, machineType: string, spot: boolean, gpu?: GpuPoolSize): UsageRates => {
  const r = familyRates(region, machineType, spot);
  let gpuHourUsd = 0;
  const m = gpu && GPU_MACHINES[gpu.machineType];
  if (gpu && m) {
    const perGpu = gpuNodePrice(region, gpu.machineType, spot).usd / m.gpus;
    const host = (m.vcpus / m.gpus) * r.vcpuHour.usd + (m.memoryGiB / m.gpus) * r.gibHour.usd;
    gpuHourUsd = Math.round(Math.max(0, perGpu - host) * 1e6) / 1e6;
  }
  return { cpuCoreHourUsd: r.vcpuHour.usd, memoryGiBHourUsd: r.gibHour.usd, gpuHourUsd };
};
