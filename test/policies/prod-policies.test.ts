import { describe, expect, it } from "vitest";
import { runStack } from "../infra/stack-suite";
import { fromPlan, runPolicies } from "./policy-harness";

describe("policy pack over the real prod stack", () => {
  it("When the prod stack is checked with deletion protection expected, then no policy is violated", async () => {
    const run = await runStack("prod");
    expect(run.resources.length).toBeGreaterThan(100);
    expect(await runPolicies(fromPlan(run.resources), { expectDeletionProtection: true })).toEqual([]);
  });
});
