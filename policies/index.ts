/** The pack `pulumi preview --policy-pack policies` runs (in PR checks too). */
import { PolicyPack } from "@pulumi/policy";
import { CONFIG_SCHEMA, POLICIES } from "./rules";

/** Which setting each policy reads; each gets only its own part of the schema. */
const SETTINGS: Record<string, (keyof typeof CONFIG_SCHEMA.properties)[]> = {
  "gke-deletion-protection": ["expectDeletionProtection"],
  "spot-node-pools": ["requireSpot"],
  "required-labels": ["requiredLabels"],
  "internal-load-balancers": ["externalLoadBalancersAllowed"],
};

new PolicyPack("gcp-platform", {
  enforcementLevel: "mandatory",
  policies: POLICIES.map((p) => {
    const keys = SETTINGS[p.name];
    return keys ? { ...p, configSchema: { properties: Object.fromEntries(keys.map((k) => [k, CONFIG_SCHEMA.properties[k]])) } } : p;
  }),
});
