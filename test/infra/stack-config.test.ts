import { describe, expect, it } from "vitest";
import { PlatformConfigError, buildPlatformConfig } from "../../infra/config/platform-config";

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
    expect(c.clusters.deployments.minNodes).toBe(0);
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
});
