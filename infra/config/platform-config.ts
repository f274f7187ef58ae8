import { z } from "zod";
import { PRESETS, PRESET_NAMES, type ClusterSize, type JobPools, type Preset, type PresetName } from "../../stacks/presets";
import { JobLimitsConfig, checkJobLimits } from "./job-limits";
import { TenantsConfig, checkJobPools, checkTenants, tenantsOrDefault, type Tenant } from "./tenants";
import { VPC_NAMES, planFromBase, validatePlan, type CidrPlan, type VpcName } from "../network/cidr-plan";

/** The stack's configuration, parsed and checked once: every component gets typed values. */
export interface PlatformConfig {
  project: string;
  region: string;
  zones: string[];
  presetName: PresetName;
  preset: Preset;
  deletionProtection: boolean;
  releaseChannel: Preset["releaseChannel"];
  cidrs: CidrPlan;
  clusters: Record<VpcName, ClusterSize>;
  /** The deployments cluster's spot job pools (its `clusters.deployments` is the system pool). */
  jobPools: JobPools;
  /** Tenants and their quotas: one Kueue ClusterQueue each, all in one cohort. */
  tenants: Tenant[];
  /** The stack's cap on one job's CPU and memory (`jobLimits`), below the tenants' quotas; empty: none. */
  jobLimits: JobLimitsConfig;
  /** Destroy the stack after this long idle (`6h`); undefined: never. */
  idleDestroyAfter?: string;
  labels: Record<string, string>;
  maintenance: { startTime: string; endTime: string; recurrence: string };
  app: {
    /** Full image reference, `repository:tag`. */
    image: string;
    hostname: string;
    domain: string;
    dnsZone: string;
    retentionDays: number;
    replicas: number;
  };
}

const Label = z.string().regex(/^[a-z0-9_-]{0,63}$/, "GCP labels are lowercase letters, digits, '_' and '-' (max 63)");
const Ranges = z.object({ nodes: z.string(), pods: z.string(), services: z.string(), controlPlane: z.string() });

/** Keys under the project's namespace in Pulumi.<stack>.yaml (see Pulumi.yaml for docs). */
export const StackConfig = z.object({
  preset: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]),
  zones: z.array(z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, "a zone such as europe-west1-b")).min(1).optional(),
  baseCidr: z.string().default("10.0.0.0/10"),
  cidrs: z.object({ management: Ranges, resources: Ranges, deployments: Ranges }).optional(),
  deletionProtection: z.boolean().optional(),
  releaseChannel: z.enum(["RAPID", "REGULAR", "STABLE"]).optional(),
  clusters: z
    .object(
      Object.fromEntries(
        VPC_NAMES.map((v) => [
          v,
          z.object({ machineType: z.string(), diskSizeGb: z.number().int().min(10), minNodes: z.number().int().min(0), maxNodes: z.number().int().min(1) }).partial().optional(),
        ]),
      ) as Record<VpcName, z.ZodOptional<z.ZodObject<Record<keyof ClusterSize, z.ZodOptional<z.ZodNumber | z.ZodString>>>>>,
    )
    .optional(),
  labels: z.record(Label, Label).default({}),
  maintenanceWindow: z
    .object({
      startTime: z.iso.datetime({ message: "RFC 3339, e.g. 2026-01-03T02:00:00Z" }),
      endTime: z.iso.datetime({ message: "RFC 3339, e.g. 2026-01-03T08:00:00Z" }),
      recurrence: z.string().startsWith("FREQ=", "an RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=SA,SU"),
    })
    .default({ startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T08:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" }),
  /** The Management App: image, API hostname and DNS, job file retention, replicas. */
  app: z.lazy(() => AppConfig),
  /** Tenants and their quotas (docs/operator-guide.md#tenants-and-quotas); default: one tenant `default`. */
  tenants: TenantsConfig.optional(),
  /** Caps on one job's CPU and memory, below the largest tenant's quota (docs/operator-guide.md#tenants-and-quotas); default: none. */
  jobLimits: JobLimitsConfig.optional(),
  /** Overrides of the preset's job pools (machine type, disk, maximum nodes, GPU); `gpu: null` offers none. */
  jobPools: z
    .object({
      cpu: z.object({ machineType: z.string(), diskSizeGb: z.number().int().min(10), maxNodes: z.number().int().min(1) }).partial().optional(),
      gpu: z
        .object({ machineType: z.string(), diskSizeGb: z.number().int().min(10), maxNodes: z.number().int().min(1), accelerator: z.string(), gpusPerNode: z.number().int().min(1) })
        .partial()
        .nullable()
        .optional(),
    })
    .optional(),
  /** Destroy the stack after this long idle, e.g. `6h` or `90m`; `off`: never. Default: the preset's. */
  idleDestroyAfter: z.union([z.literal("off"), z.string().regex(/^[1-9]\d*[hm]$/, "a duration such as 6h or 90m, or off")]).optional(),
  /** Overrides app.tag; set by the deploy workflow to the commit it built. */
  imageTag: z.string().regex(/^[\w][\w.-]{0,127}$/, "a Docker tag").optional(),
});
export type StackConfigInput = z.input<typeof StackConfig>;

const AppConfig = z
  .object({
    /** Image repository; default: Artifact Registry `<region>-docker.pkg.dev/<project>/platform/management-app`. */
    image: z.string().optional(),
    tag: z.string().regex(/^[\w][\w.-]{0,127}$/, "a Docker tag such as 0.1.0 or a git sha").default("0.1.0"),
    hostname: z.string().regex(/^[a-z0-9.-]+$/, "a DNS name such as jobs.example.com").default("jobs.example.com"),
    domain: z.string().default("example.com"),
    dnsZone: z.string().default("example-com"),
    retentionDays: z.number().int().min(1).default(14),
    replicas: z.number().int().min(2).default(2),
  })
  .default({ tag: "0.1.0", hostname: "jobs.example.com", domain: "example.com", dnsZone: "example-com", retentionDays: 14, replicas: 2 });

export class PlatformConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "PlatformConfigError";
  }
}

/**
 * Merge the preset with the stack's overrides and check the result. `raw` holds the
 * project's config keys as objects (already JSON-decoded), `gcp` the provider's keys.
 */
export const buildPlatformConfig = (raw: Record<string, unknown>, gcp: { project?: string; region?: string }, namespace: string): PlatformConfig => {
  const problems: string[] = [];
  if (!gcp.project) problems.push("gcp:project is required (pulumi config set gcp:project <your-project-id>)");
  if (!gcp.region) problems.push("gcp:region is required (pulumi config set gcp:region europe-west1)");
  const parsed = StackConfig.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(`${namespace}:${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new PlatformConfigError(problems);
  }
  const c = parsed.data;
  const preset: Preset = PRESETS[c.preset];
  const region = gcp.region ?? "";
  const zones = c.zones ?? [`${region}-b`, `${region}-c`, `${region}-d`];
  if (zones.some((z) => !z.startsWith(`${region}-`))) problems.push(`${namespace}:zones must all be in ${region}, got ${zones.join(", ")}`);

  const clusters = Object.fromEntries(
    VPC_NAMES.map((v) => [v, { ...preset.clusters[v], ...(c.clusters?.[v] ?? {}) } as ClusterSize]),
  ) as Record<VpcName, ClusterSize>;
  for (const v of VPC_NAMES) {
    if (clusters[v].minNodes > clusters[v].maxNodes) problems.push(`${namespace}:clusters.${v}: minNodes (${clusters[v].minNodes}) exceeds maxNodes (${clusters[v].maxNodes})`);
  }

  const gpuOverride = c.jobPools?.gpu;
  const presetPools: JobPools = preset.jobPools;
  const jobPools: JobPools = {
    cpu: { ...presetPools.cpu, ...(c.jobPools?.cpu ?? {}) },
    ...(gpuOverride === null ? {} : presetPools.gpu || gpuOverride ? { gpu: { ...presetPools.gpu!, ...(gpuOverride ?? {}) } } : {}),
  };
  problems.push(...checkJobPools(jobPools, region, preset.regional ? zones : zones.slice(0, 1)).map((p) => `${namespace}:jobPools: ${p}`));
  const tenants = tenantsOrDefault(c.tenants);
  const tenantProblems = checkTenants(tenants, jobPools);
  problems.push(...tenantProblems.map((p) => `${namespace}:tenants: ${p}`));
  // The job's sizes come from the tenants' quotas and the pools' machines: only once those are sound.
  if (tenantProblems.length === 0) problems.push(...checkJobLimits(c.jobLimits, tenants, jobPools).map((p) => `${namespace}:${p}`));

  let cidrs: CidrPlan | undefined = c.cidrs;
  if (!cidrs) {
    try {
      cidrs = planFromBase(c.baseCidr, preset.rangeSizes);
    } catch (err) {
      problems.push(`${namespace}:baseCidr: ${(err as Error).message}`);
    }
  }
  if (cidrs) {
    const maxNodes = Object.fromEntries(VPC_NAMES.map((v) => [v, clusters[v].maxNodes])) as Record<VpcName, number>;
    // The deployments subnet holds the system pool and both job pools at their maximum.
    maxNodes.deployments += jobPools.cpu.maxNodes + (jobPools.gpu?.maxNodes ?? 0);
    problems.push(...validatePlan(cidrs, maxNodes).map((p) => `${namespace}:${c.cidrs ? "cidrs" : "baseCidr"}: ${p}`));
  }
  if (problems.length > 0 || !cidrs) throw new PlatformConfigError(problems);

  return Object.freeze({
    project: gcp.project!,
    region,
    zones,
    presetName: c.preset,
    preset,
    deletionProtection: c.deletionProtection ?? preset.deletionProtection,
    releaseChannel: c.releaseChannel ?? preset.releaseChannel,
    cidrs,
    clusters,
    jobPools,
    tenants,
    jobLimits: c.jobLimits ?? {},
    idleDestroyAfter: c.idleDestroyAfter === "off" ? undefined : (c.idleDestroyAfter ?? preset.idleDestroyAfter),
    labels: { platform: "gcp-compute-platform", stack: c.preset, ...c.labels },
    maintenance: c.maintenanceWindow,
    app: {
      image: `${c.app.image ?? `${region}-docker.pkg.dev/${gcp.project}/platform/management-app`}:${c.imageTag ?? c.app.tag}`,
      hostname: c.app.hostname,
      domain: c.app.domain,
      dnsZone: c.app.dnsZone,
      retentionDays: c.app.retentionDays,
      replicas: c.app.replicas,
    },
  });
};
