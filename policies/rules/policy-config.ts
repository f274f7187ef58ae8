/** Settings a stack can give the pack (`pulumi preview --policy-pack policies --policy-pack-config <file>`). */
export interface PlatformPolicyConfig {
  /** Clusters must have deletion protection (prod) or must not (dev, so destroy works). */
  expectDeletionProtection: boolean;
  /** Node pools must be spot or preemptible. */
  requireSpot: boolean;
  /** Labels every cluster and bucket must carry. */
  requiredLabels: string[];
  /** Names of LoadBalancer Services allowed to be external (e.g. none). */
  externalLoadBalancersAllowed: string[];
}

export const DEFAULT_POLICY_CONFIG: PlatformPolicyConfig = {
  expectDeletionProtection: false,
  requireSpot: true,
  requiredLabels: ["platform", "stack"],
  externalLoadBalancersAllowed: [],
};

export const CONFIG_SCHEMA = {
  properties: {
    expectDeletionProtection: { type: "boolean", default: false },
    requireSpot: { type: "boolean", default: true },
    requiredLabels: { type: "array", items: { type: "string" }, default: ["platform", "stack"] },
    externalLoadBalancersAllowed: { type: "array", items: { type: "string" }, default: [] },
  },
} as const;
