import { describe, expect, it } from "vitest";
import { jobSizes } from "../../infra/config/job-limits";
import { PlatformConfigError, buildPlatformConfig } from "../../infra/config/platform-config";
import { queueCapacity } from "../../infra/platform-services/kueue-objects";

const gcp = { project: "p", region: "europe-west1" };
const build = (raw: Record<string, unknown>, g: { project?: string; region?: string } = gcp) => buildPlatformConfig(raw, g, "gcp-compute-platform");
const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlatformConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a PlatformConfigError");
};

describe("stack configuration", () => {
  it("When only the preset is set, then the preset's values and derived zones and ranges apply", () => {
    const c = build({ preset: "dev" });
    expect(c).toMatchObject({ presetName: "dev", deletionProtection: false, releaseChannel: "REGULAR", zones: ["europe-west1-b", "europe-west1-c", "europe-west1-d"] });
    expect(c.clusters.deployments.minNodes).toBe(1);
    expect(c.jobPools.gpu?.accelerator).toBe("nvidia-l4");
    expect(c.tenants.map((t) => t.name)).toEqual(["default"]);
    expect(c.idleDestroyAfter).toBe("6h");
    expect(c.labels).toMatchObject({ platform: "gcp-compute-platform", stack: "dev" });
  });

  it("When a stack overrides the preset, then the override wins, and an explicit 0 or false is kept", () => {
    const c = build({ preset: "prod", deletionProtection: false, clusters: { management: { minNodes: 0 } } });
    expect(c.deletionProtection).toBe(false);
    expect(c.clusters.management).toMatchObject({ minNodes: 0, maxNodes: 9, machineType: "e2-standard-4" });
  });

  it("When keys are wrong, then every problem names its key", () => {
    const problems = problemsOf(() => build({ preset: "staging", labels: { Owner: "x" } }, {}));
    expect(problems).toContain("gcp:project is required (pulumi config set gcp:project <your-project-id>)");
    expect(problems).toContain("gcp:region is required (pulumi config set gcp:region europe-west1)");
    expect(problems.some((p) => p.startsWith("gcp-compute-platform:preset:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("gcp-compute-platform:labels"))).toBe(true);
  });

  it("When zones are outside the region or sizes contradict, then the stack is refused before anything is created", () => {
    const problems = problemsOf(() => build({ preset: "dev", zones: ["us-east1-b"], clusters: { resources: { minNodes: 9, maxNodes: 3 } } }));
    expect(problems).toContain("gcp-compute-platform:zones must all be in europe-west1, got us-east1-b");
    expect(problems).toContain("gcp-compute-platform:clusters.resources: minNodes (9) exceeds maxNodes (3)");
  });

  it("When explicit ranges overlap, then the stack is refused naming the cidrs key", () => {
    const r = { nodes: "10.0.0.0/22", pods: "10.4.0.0/16", services: "10.0.4.0/22", controlPlane: "10.0.8.0/28" };
    const problems = problemsOf(() => build({ preset: "dev", cidrs: { management: r, resources: r, deployments: { ...r, nodes: "10.9.0.0/22" } } }));
    expect(problems.every((p) => p.startsWith("gcp-compute-platform:cidrs: "))).toBe(true);
    expect(problems.some((p) => p.includes("management.nodes (10.0.0.0/22) overlaps resources.nodes"))).toBe(true);
  });

  it("When a tenant's quota is not a quantity, or asks for GPUs the stack has not, then plan refuses it naming the tenant and the key", () => {
    const problems = problemsOf(() =>
      build({ preset: "dev", jobPools: { gpu: null }, tenants: { default: { cpu: "lots", memory: "64Gi" }, research: { cpu: "8", memory: "-1Gi", gpus: 2 } } }),
    );
    expect(problems).toContain('gcp-compute-platform:tenants: default.cpu: "lots" is not a positive Kubernetes quantity (e.g. 16 or 500m)');
    expect(problems).toContain('gcp-compute-platform:tenants: research.memory: "-1Gi" is not a positive Kubernetes quantity (e.g. 64Gi)');
    expect(problems).toContain("gcp-compute-platform:tenants: research.gpus: 2 GPUs, but the stack has no GPU pool (set jobPools.gpu, or gpus: 0)");
  });

  it("When the tenants leave out the API token's tenant or use a name Kueue cannot take, then plan says which", () => {
    expect(problemsOf(() => build({ preset: "dev", tenants: { research: { cpu: "8", memory: "32Gi" } } }))).toContain(
      'gcp-compute-platform:tenants: the stack\'s API token belongs to tenant "default": add it to tenants',
    );
    expect(problemsOf(() => build({ preset: "dev", tenants: { Team_A: { cpu: "8", memory: "32Gi" } } })).some((p) => p.startsWith("gcp-compute-platform:tenants.Team_A"))).toBe(true);
  });

  it("When the GPU is not offered as spot in the stack's zones, then plan refuses it and names the zones that have it", () => {
    const problems = problemsOf(() => build({ preset: "dev", zones: ["europe-west1-d"] }));
    expect(problems).toContain("gcp-compute-platform:jobPools: nvidia-l4 is not offered as spot in the stack's node zones (europe-west1-d); in europe-west1 it is in europe-west1-b, europe-west1-c: use one of those zones");
    const other = problemsOf(() => build({ preset: "dev", jobPools: { gpu: { accelerator: "nvidia-h100-80gb" } } }));
    expect(other.some((p) => p.includes("gpu.accelerator nvidia-h100-80gb does not come with g2-standard-4"))).toBe(true);
    expect(problemsOf(() => build({ preset: "dev" }, { project: "p", region: "asia-south2" })).some((p) => p.includes("asia-south2 has none: choose another region or jobPools.gpu: null"))).toBe(true);
  });

  it("When idleDestroyAfter is set, then it overrides the preset; off turns it off; a bad duration is refused", () => {
    expect(build({ preset: "prod" }).idleDestroyAfter).toBeUndefined();
    expect(build({ preset: "dev", idleDestroyAfter: "90m" }).idleDestroyAfter).toBe("90m");
    expect(build({ preset: "dev", idleDestroyAfter: "off" }).idleDestroyAfter).toBeUndefined();
    expect(problemsOf(() => build({ preset: "dev", idleDestroyAfter: "6 hours" })).some((p) => p.startsWith("gcp-compute-platform:idleDestroyAfter"))).toBe(true);
  });

  it("When jobLimits caps one job below the tenants' quotas, then the job's quota is the cap; without it, the largest tenant's quota", () => {
    const sizes = (raw: Record<string, unknown>) => {
      const c = build(raw);
      return jobSizes(queueCapacity(c.tenants, c.jobPools), c.jobPools, c.jobLimits).quota;
    };
    const tenants = { default: { cpu: "32", memory: "128Gi" }, research: { cpu: "8", memory: "32Gi" } };
    expect(sizes({ preset: "prod", tenants })).toEqual({ cpu: "32", memory: "128Gi" });
    expect(sizes({ preset: "prod", tenants, jobLimits: { cpu: 12, memory: "48Gi" } })).toEqual({ cpu: "12", memory: "48Gi" });
    expect(sizes({ preset: "prod", tenants, jobLimits: { memory: "48Gi" } })).toEqual({ cpu: "32", memory: "48Gi" });
  });

  it("When jobLimits is above every tenant's quota or not a quantity, then plan refuses it saying what to lower or raise", () => {
    const tenants = { default: { cpu: "32", memory: "128Gi" }, research: { cpu: "8", memory: "32Gi" } };
    const problems = problemsOf(() => build({ preset: "prod", tenants, jobLimits: { cpu: "64", memory: "lots" } }));
    expect(problems).toContain(
      "gcp-compute-platform:jobLimits.cpu: 64 is above every tenant's quota (the largest is default's, 32 CPU with its GPUs' hosts), so it would cap nothing; lower it, or raise tenants.default.cpu",
    );
    expect(problems).toContain('gcp-compute-platform:jobLimits.memory: "lots" is not a positive Kubernetes quantity (e.g. 64Gi)');
    // Above a smaller tenant's quota is fine: it caps the larger tenant's jobs.
    expect(() => build({ preset: "prod", tenants, jobLimits: { cpu: "16" } })).not.toThrow();
    expect(problemsOf(() => build({ preset: "dev", jobLimits: { gpus: 1 } })).some((p) => p.startsWith("gcp-compute-platform:jobLimits"))).toBe(true);
  });

  it("When the CPU job pool's machine has no known size, then plan says the container maximum cannot be derived", () => {
    expect(problemsOf(() => build({ preset: "dev", jobPools: { cpu: { machineType: "c4-standard-8" } } }))).toContain(
      "gcp-compute-platform:jobPools.cpu.machineType c4-standard-8: its vCPUs and memory are not known (infra/cost/machine-types.ts: e2/n2 standard, highmem, highcpu), so the largest container a job may ask for cannot be derived",
    );
  });
});
