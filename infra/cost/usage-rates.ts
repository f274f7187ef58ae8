import type { UsageRates } from "../../apps/shared/contract";
import { familyRates } from "./prices";

/**
 * What a job's requested core, GiB and GPU cost per hour: the deployments pool's node price
 * split the way Compute Engine prices E2/N2 machines (per vCPU and per GiB). The pool has no
 * GPUs, so GPU time is counted but priced 0 until a GPU pool and its price are added.
 */
export const usageRatesFor = (region: string, machineType: string, spot: boolean): UsageRates => {
  const r = familyRates(region, machineType, spot);
  return { cpuCoreHourUsd: r.vcpuHour.usd, memoryGiBHourUsd: r.gibHour.usd, gpuHourUsd: 0 };
};
