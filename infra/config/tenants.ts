import { z } from "zod";
import { quantity } from "../../apps/shared/admission/quantity";
import { DEFAULT_TENANT } from "../../apps/shared/contract";
import type { GpuPoolSize, JobPools } from "../../stacks/presets";

/**
 * Tenants and their quotas, from the stack config (`tenants`), and the GPUs GKE offers where the
 * stack runs. Checked once, so a bad quota or an accelerator the region has not is an error at
 * `npm run plan`, not a ClusterQueue Kueue marks inactive or a pool GKE refuses to create.
 */

/** One tenant's guaranteed share: Kueue's nominal quota of its ClusterQueue. */
export interface Tenant {
  name: string;
  /** Kubernetes quantities, as the ClusterQueue takes them (`16`, `500m`, `64Gi`). */
  cpu: string;
  memory: string;
  /** Whole GPUs of the stack's GPU pool. */
  gpus: number;
  /** Kueue's fair-sharing weight (ClusterQueue spec.fairSharing.weight); 1 unless set. */
  weight: number;
}

// `tenant-<name>` must stay a DNS subdomain name and a label value (63 characters).
const TenantName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$/, "a tenant name is a DNS label of at most 50 characters (a-z, 0-9, '-')");
const Quantity = z.union([z.string(), z.number()]).transform((v) => String(v));
export const TenantsConfig = z.record(
  TenantName,
  z.object({ cpu: Quantity, memory: Quantity, gpus: z.number().int().min(0).default(0), weight: z.number().positive().default(1) }),
);
export type TenantsConfig = z.infer<typeof TenantsConfig>;

/** Without a `tenants` key, one tenant (the stack's API token's) with a modest quota. */
export const DEFAULT_TENANTS: TenantsConfig = { [DEFAULT_TENANT]: { cpu: "16", memory: "64Gi", gpus: 0, weight: 1 } };

export const tenantsOrDefault = (c: TenantsConfig | undefined): Tenant[] => Object.entries(c ?? DEFAULT_TENANTS).map(([name, t]) => ({ name, ...t }));

/**
 * What is wrong with a list of tenant names, each a sentence saying what to fix: the config's
 * checks, and the Management App's (it makes one API token per tenant, `tenant:token` per line).
 */
export const checkTenantNames = (names: readonly string[]): string[] => {
  const problems: string[] = [];
  if (names.length === 0) problems.push("at least one tenant is needed");
  if (!names.includes(DEFAULT_TENANT)) problems.push(`the stack's API token belongs to tenant "${DEFAULT_TENANT}": add it to tenants`);
  for (const n of names) {
    const parsed = TenantName.safeParse(n);
    if (!parsed.success) problems.push(`"${n}" is not a tenant name: ${parsed.error.issues[0]!.message}`);
  }
  for (const n of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`tenant "${n}" is listed more than once`);
  return problems;
};

/** What is wrong with the tenants' names and quotas, each a sentence saying what to fix. */
export const checkTenants = (tenants: Tenant[], pools: JobPools): string[] => {
  const problems = checkTenantNames(tenants.map((t) => t.name));
  for (const t of tenants) {
    const cpu = quantity(t.cpu);
    if (cpu === undefined || cpu <= 0) problems.push(`${t.name}.cpu: "${t.cpu}" is not a positive Kubernetes quantity (e.g. 16 or 500m)`);
    const memory = quantity(t.memory);
    if (memory === undefined || memory <= 0) problems.push(`${t.name}.memory: "${t.memory}" is not a positive Kubernetes quantity (e.g. 64Gi)`);
    if (t.gpus > 0 && !pools.gpu) problems.push(`${t.name}.gpus: ${t.gpus} GPUs, but the stack has no GPU pool (set jobPools.gpu, or gpus: 0)`);
  }
  return problems;
};

/**
 * Accelerator-optimized machine types and the GPUs each comes with
 * (https://cloud.google.com/compute/docs/accelerator-optimized-machines#g2-vms): G2 machines carry
 * NVIDIA L4s attached by the machine type itself. Every row checked on 2026-12-07 against the Cloud
 * Billing Catalog snapshot the price table uses (Cyclenerd/google-cloud-pricing-cost-calculator@
 * fd66b26ff84fee5cdd94f341ea89206e76c06b99:pricing.yml, `instance.<type>.cpu`, `.ram`, `.l4`).
 */
export const GPU_MACHINES: Readonly<Record<string, { accelerator: string; gpus: number; vcpus: number; memoryGiB: number }>> = {
  "g2-standard-4": { accelerator: "nvidia-l4", gpus: 1, vcpus: 4, memoryGiB: 16 },
  "g2-standard-8": { accelerator: "nvidia-l4", gpus: 1, vcpus: 8, memoryGiB: 32 },
  "g2-standard-12": { accelerator: "nvidia-l4", gpus: 1, vcpus: 12, memoryGiB: 48 },
  "g2-standard-16": { accelerator: "nvidia-l4", gpus: 1, vcpus: 16, memoryGiB: 64 },
  "g2-standard-24": { accelerator: "nvidia-l4", gpus: 2, vcpus: 24, memoryGiB: 96 },
  "g2-standard-32": { accelerator: "nvidia-l4", gpus: 1, vcpus: 32, memoryGiB: 128 },
  "g2-standard-48": { accelerator: "nvidia-l4", gpus: 4, vcpus: 48, memoryGiB: 192 },
  "g2-standard-96": { accelerator: "nvidia-l4", gpus: 8, vcpus: 96, memoryGiB: 384 },
};

/**
 * Zones that offer each accelerator, for the regions the platform has been planned in
 * (https://cloud.google.com/compute/docs/gpus/gpu-regions-zones). Not checked against a stored
 * copy of that page (none was at hand): the catalog snapshot above prices G2 in these three
 * regions, which confirms the regions, not the zones; recheck the zones there. Spot VMs can
 * carry these GPUs (https://cloud.google.com/compute/docs/instances/spot, "GPUs"); whether spot
 * capacity is free at a given hour only a real request shows. A region missing here is refused
 * until someone checks the page and adds it.
 */
export const GPU_ZONES: Readonly<Record<string, readonly string[]>> = {
  "nvidia-l4": ["europe-west1-b", "europe-west1-c", "europe-west4-a", "europe-west4-b", "europe-west4-c", "us-central1-a", "us-central1-b", "us-central1-c"],
};

/** The zones of `nodeZones` where the GPU pool can have nodes. */
export const gpuZones = (gpu: GpuPoolSize, nodeZones: readonly string[]): string[] => nodeZones.filter((z) => GPU_ZONES[gpu.accelerator]?.includes(z));

/** What is wrong with the job pools for this region and these zones. */
export const checkJobPools = (pools: JobPools, region: string, nodeZones: readonly string[]): string[] => {
  const problems: string[] = [];
  const gpu = pools.gpu;
  if (!gpu) return problems;
  const machine = GPU_MACHINES[gpu.machineType];
  if (!machine) problems.push(`gpu.machineType ${gpu.machineType} is not an accelerator-optimized type we know (known: ${Object.keys(GPU_MACHINES).join(", ")})`);
  else if (machine.accelerator !== gpu.accelerator) problems.push(`gpu.accelerator ${gpu.accelerator} does not come with ${gpu.machineType} (it carries ${machine.accelerator})`);
  else if (machine.gpus !== gpu.gpusPerNode) problems.push(`gpu.gpusPerNode is ${gpu.gpusPerNode}, but ${gpu.machineType} carries ${machine.gpus}`);
  if (!GPU_ZONES[gpu.accelerator]) problems.push(`gpu.accelerator ${gpu.accelerator} is not one GKE offers here (known: ${Object.keys(GPU_ZONES).join(", ")})`);
  else if (gpuZones(gpu, nodeZones).length === 0) {
    const inRegion = GPU_ZONES[gpu.accelerator]!.filter((z) => z.startsWith(`${region}-`));
    problems.push(
      `${gpu.accelerator} is not offered as spot in the stack's node zones (${nodeZones.join(", ")}); ${inRegion.length ? `in ${region} it is in ${inRegion.join(", ")}: use one of those zones` : `${region} has none: choose another region or jobPools.gpu: null`}`,
    );
  }
  return problems;
};
