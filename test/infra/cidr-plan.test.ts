import { describe, expect, it } from "vitest";
import { carve, formatCidr, overlaps, parseCidr } from "../../infra/network/cidr";
import { planFromBase, validatePlan, type CidrPlan } from "../../infra/network/cidr-plan";
import { PRESETS } from "../../stacks/presets";

const maxNodes = { management: 3, resources: 6, deployments: 10 };

describe("CIDR arithmetic", () => {
  it("When a range is parsed and printed, then it round-trips; host bits and bad syntax are refused with a hint", () => {
    expect(formatCidr(parseCidr("10.16.0.0/12"))).toBe("10.16.0.0/12");
    expect(() => parseCidr("10.16.0.1/12")).toThrow(/host bits set; did you mean 10.16.0.0\/12/);
    expect(() => parseCidr("10.0.0/8")).toThrow(/not an IPv4 CIDR/);
    expect(() => parseCidr("300.0.0.0/8")).toThrow(/not a valid/);
  });

  it("When ranges share addresses, then they overlap; neighbours do not", () => {
    expect(overlaps(parseCidr("10.0.0.0/16"), parseCidr("10.0.255.0/24"))).toBe(true);
    expect(overlaps(parseCidr("10.0.0.0/16"), parseCidr("10.1.0.0/16"))).toBe(false);
  });

  it("When a block is carved, then the pieces are aligned, disjoint and inside it; too much is refused", () => {
    const r = carve(parseCidr("10.0.0.0/12"), { a: 14, b: 20, c: 28 });
    expect(Object.values(r).map(formatCidr)).toEqual(["10.0.0.0/14", "10.4.0.0/20", "10.4.16.0/28"]);
    expect(() => carve(parseCidr("10.0.0.0/24"), { a: 25, b: 25, c: 25 })).toThrow(/too small/);
  });
});

describe("the three-VPC plan", () => {
  it.each(Object.entries(PRESETS))("When the %s preset's plan is built from one base range, then it passes every check", (_name, preset) => {
    const plan = planFromBase("10.0.0.0/10", preset.rangeSizes);
    const max = Object.fromEntries(Object.entries(preset.clusters).map(([k, v]) => [k, v.maxNodes])) as typeof maxNodes;
    expect(validatePlan(plan, max)).toEqual([]);
    expect(plan.management.controlPlane).toMatch(/\/28$/);
  });

  it("When two VPCs share a range, then the overlap is named with both ranges", () => {
    const plan = planFromBase("10.0.0.0/10", PRESETS.dev.rangeSizes);
    const bad: CidrPlan = { ...plan, deployments: { ...plan.deployments, pods: plan.resources.pods } };
    expect(validatePlan(bad, maxNodes)).toContain(`resources.pods (${plan.resources.pods}) overlaps deployments.pods (${plan.resources.pods}): peered ranges must be disjoint`);
  });

  it("When a control-plane range is not a /28 or collides with nodes, then both problems are reported", () => {
    const plan = planFromBase("10.0.0.0/10", PRESETS.dev.rangeSizes);
    const bad: CidrPlan = { ...plan, management: { ...plan.management, controlPlane: plan.management.nodes } };
    const problems = validatePlan(bad, maxNodes);
    expect(problems.some((p) => p.startsWith("management.nodes") && p.includes("overlaps management.controlPlane"))).toBe(true);
    expect(problems).toContain("management.controlPlane must be a /28 (GKE requires it), got /22");
  });

  it("When ranges are too small for the autoscaler's maximum, then the fix is spelled out", () => {
    const plan = planFromBase("10.0.0.0/10", { nodes: 28, pods: 22, services: 24 });
    const problems = validatePlan(plan, { ...maxNodes, deployments: 100 });
    expect(problems).toContain("deployments.nodes (/28) holds 12 nodes but the autoscaler may reach 100: use a larger range");
    expect(problems).toContain("deployments.pods (/22) holds pods for 4 nodes but the autoscaler may reach 100: use a larger range");
  });

  it("When the base range is too small to split, then planning says so", () => {
    expect(() => planFromBase("10.0.0.0/20", PRESETS.dev.rangeSizes)).toThrow(/does not fit/);
  });
});
