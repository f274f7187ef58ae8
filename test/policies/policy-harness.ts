import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { POLICIES, type PlatformPolicyConfig } from "../../policies/rules";
import type { PlannedResource } from "../../infra/plan/offline-run";
import { unwrapSecrets } from "../infra/stack-suite";

export interface Violation {
  policy: string;
  resource: string;
  message: string;
}

const toPolicyResource = (r: { type: string; name: string; props: Record<string, unknown> }, config: Partial<PlatformPolicyConfig>): ResourceValidationArgs & PolicyResource =>
  ({
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:test::p::${r.type}::${r.name}`,
    props: r.props,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    getConfig: <T>() => config as T,
    notApplicable: () => {
      throw new Error("not applicable");
    },
    isType: () => false,
    asType: () => undefined,
    dependencies: [],
    propertyDependencies: {},
  }) as unknown as ResourceValidationArgs & PolicyResource;

/** Run every policy of the pack over resources, without the Pulumi CLI. */
export const runPolicies = async (
  resources: { type: string; name: string; props: Record<string, unknown> }[],
  config: Partial<PlatformPolicyConfig> = {},
): Promise<Violation[]> => {
  const out: Violation[] = [];
  const args = resources.map((r) => toPolicyResource(r, config));
  for (const p of POLICIES) {
    const report = (resource: string) => (message: string) => void out.push({ policy: p.name, resource, message });
    if ("validateResource" in p) {
      const fn = (p as ResourceValidationPolicy).validateResource;
      for (const a of args) for (const v of Array.isArray(fn) ? fn : [fn]) if (v) await v(a, report(a.name));
    } else {
      await (p as StackValidationPolicy).validateStack({ resources: args, stackTags: new Map(), getConfig: <T>() => config as T, notApplicable: () => { throw new Error("n/a"); } } as never, report("(stack)"));
    }
  }
  return out;
};

export const fromPlan = (resources: PlannedResource[]) => resources.map((r) => ({ type: r.type, name: r.name, props: unwrapSecrets(r.inputs) as Record<string, unknown> }));
