import type { Policy } from "@pulumi/policy";
import { CONFIG_SCHEMA } from "./policy-config";
import { POLICIES } from "./index";

/** Which setting each policy reads; each gets only its own part of the schema. */
const SETTINGS: Record<string, (keyof typeof CONFIG_SCHEMA.properties)[]> = {
  "gke-deletion-protection": ["expectDeletionProtection"],
  "spot-node-pools": ["requireSpot"],
  "required-labels": ["requiredLabels"],
  "internal-load-balancers": ["externalLoadBalancersAllowed"],
};

/**
 * The policies exactly as the pack declares them to the engine (with their `configSchema`),
 * importable without starting the policy server, so that tests and `npm run plan` can check a
 * `--policy-pack-config` file the way the CLI does.
 */
export const PACK_POLICIES: Policy[] = POLICIES.map((p) => {
  const keys = SETTINGS[p.name];
  return keys ? { ...p, configSchema: { properties: Object.fromEntries(keys.map((k) => [k, CONFIG_SCHEMA.properties[k]])) } } : p;
});

export const PACK_NAME = "gcp-platform";
