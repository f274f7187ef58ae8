import { gcpPolicies } from "./gcp";
import { kubernetesPolicies } from "./kubernetes";
import { stackPolicies } from "./stack";

/** Every policy of the pack, importable without starting the policy server (for tests). */
export const POLICIES = [...gcpPolicies, ...kubernetesPolicies, ...stackPolicies];
export { CONFIG_SCHEMA, DEFAULT_POLICY_CONFIG, type PlatformPolicyConfig } from "./policy-config";
