import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun } from "../../infra/plan/offline-run";
import { POLICIES } from "../../policies/rules";
import { runStack } from "../infra/stack-suite";
import { fromPlan, runPolicies } from "./policy-harness";

// The program reads its config at import: one run per file.
let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

describe("policy pack over the real dev stack (mocked run of the program)", () => {
  it("When the dev stack is checked with its policy config, then no policy is violated", async () => {
    expect(run.resources.length).toBeGreaterThan(100);
    expect(await runPolicies(fromPlan(run.resources), { expectDeletionProtection: false })).toEqual([]);
  });

  it("When the dev stack is checked as if it were prod, then deletion protection is flagged on every cluster", async () => {
    const v = await runPolicies(fromPlan(run.resources), { expectDeletionProtection: true });
    expect(v.map((x) => `${x.policy} ${x.resource}`).sort()).toEqual(["management-gke", "resources-gke", "deployments-gke"].map((c) => `gke-deletion-protection ${c}`).sort());
  });
});

const cluster = (props: Record<string, unknown>) => ({
  type: "gcp:container/cluster:Cluster",
  name: "bad-cluster",
  props: {
    privateClusterConfig: { enablePrivateNodes: true, masterIpv4CidrBlock: "10.99.0.0/28" },
    workloadIdentityConfig: { workloadPool: "p.svc.id.goog" },
    deletionProtection: false,
    resourceLabels: { platform: "x", stack: "dev" },
    nodeConfig: { serviceAccount: "nodes@p.iam.gserviceaccount.com" },
    ...props,
  },
});
const pool = (nodeConfig: Record<string, unknown>) => ({
  type: "gcp:container/nodePool:NodePool",
  name: "bad-pool",
  props: { nodeConfig: { spot: true, serviceAccount: "nodes@p.iam.gserviceaccount.com", workloadMetadataConfig: { mode: "GKE_METADATA" }, ...nodeConfig } },
});
const deployment = (container: Record<string, unknown>, pod: Record<string, unknown> = { securityContext: { runAsNonRoot: true } }) => ({
  type: "kubernetes:apps/v1:Deployment",
  name: "bad-deployment",
  props: {
    spec: {
      template: {
        spec: {
          ...pod,
          containers: [{ name: "app", resources: { requests: { cpu: "1" } }, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, ...container }],
        },
      },
    },
  },
});

// Each crafted resource breaks exactly one policy; the message must say how to fix it.
const BAD: [string, { type: string; name: string; props: Record<string, unknown> }, RegExp][] = [
  ["gke-private-nodes", cluster({ privateClusterConfig: { enablePrivateNodes: false } }), /enablePrivateNodes: true/],
  ["gke-private-nodes", { type: "gcp:compute/instance:Instance", name: "vm", props: { networkInterfaces: [{ accessConfigs: [{}] }] } }, /Remove accessConfigs/],
  ["no-open-ingress", { type: "gcp:compute/firewall:Firewall", name: "fw", props: { direction: "INGRESS", sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "tcp", ports: ["22"] }] } }, /Replace sourceRanges 0.0.0.0\/0/],
  ["spot-node-pools", pool({ spot: false }), /nodeConfig.spot: true/],
  ["no-default-compute-service-account", pool({ serviceAccount: "123-compute@developer.gserviceaccount.com" }), /dedicated least-privilege account/],
  ["gke-workload-identity", cluster({ workloadIdentityConfig: undefined }), /workloadIdentityConfig.workloadPool/],
  ["gke-workload-identity", pool({ workloadMetadataConfig: { mode: "GCE_METADATA" } }), /GKE_METADATA/],
  ["gke-deletion-protection", cluster({ deletionProtection: true }), /deletionProtection: false/],
  ["required-labels", cluster({ resourceLabels: { platform: "x" } }), /Add the labels stack/],
  ["private-buckets", { type: "gcp:storage/bucket:Bucket", name: "b", props: { uniformBucketLevelAccess: true, publicAccessPrevention: "inherited", labels: { platform: "x", stack: "d" } } }, /publicAccessPrevention: "enforced"/],
  ["workload-resources-and-security-context", deployment({ securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ["ALL"] } } }), /allowPrivilegeEscalation: false/],
  ["workload-resources-and-security-context", deployment({ resources: undefined }), /resources.requests/],
  ["internal-load-balancers", { type: "kubernetes:core/v1:Service", name: "svc", props: { metadata: { name: "public" }, spec: { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8"] } } }, /load-balancer-type: Internal/],
  [
    "load-balancer-source-ranges",
    { type: "kubernetes:core/v1:Service", name: "svc", props: { metadata: { name: "hub", annotations: { "networking.gke.io/load-balancer-type": "Internal" } }, spec: { type: "LoadBalancer" } } },
    /loadBalancerSourceRanges to the clients' ranges/,
  ],
  ["load-balancer-source-ranges", { type: "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", name: "mq", props: { spec: { service: { type: "LoadBalancer", annotations: { "networking.gke.io/load-balancer-type": "Internal" } }, override: { service: { spec: { loadBalancerSourceRanges: ["0.0.0.0/0"] } } } } } }, /must not include a \/0/],
  ["no-plaintext-credentials", deployment({ env: [{ name: "DB_PASSWORD", value: "hunter2" }] }), /DB_PASSWORD looks like a credential/],
  ["no-plaintext-credentials", deployment({ env: [{ name: "AMQP_URL", value: "amqp://app:s3cret@10.0.0.1:5672" }] }), /URL with a password/],
  ["no-plaintext-credentials", { type: "kubernetes:core/v1:ConfigMap", name: "cm", props: { data: { api_token: "abc" } } }, /put it in a Secret/],
  [
    "volumes-deleted-with-their-workload",
    { type: "kubernetes:apps/v1:StatefulSet", name: "sts", props: { spec: { volumeClaimTemplates: [{}], template: { spec: { securityContext: { runAsNonRoot: true }, containers: [] } } } } },
    /whenDeleted: Delete/,
  ],
];

describe("each policy fires on a crafted bad resource, with a message that says the fix", () => {
  it.each(BAD)("When %s meets its bad resource, then it reports the fix", async (policy, resource, message) => {
    const violations = await runPolicies([resource]);
    expect(violations.map((v) => v.policy)).toEqual([policy]);
    expect(violations[0]!.message).toMatch(message);
  });

  it("When peered ranges overlap anywhere, then the stack policy names both", async () => {
    const v = await runPolicies([
      { type: "gcp:compute/subnetwork:Subnetwork", name: "a-subnet", props: { ipCidrRange: "10.0.0.0/22", secondaryIpRanges: [{ rangeName: "pods", ipCidrRange: "10.8.0.0/16" }] } },
      { type: "gcp:compute/subnetwork:Subnetwork", name: "b-subnet", props: { ipCidrRange: "10.8.4.0/22", secondaryIpRanges: [] } },
    ]);
    expect(v).toEqual([{ policy: "peered-ranges-disjoint", resource: "(stack)", message: "a-subnet pods (10.8.0.0/16) overlaps b-subnet nodes (10.8.4.0/22); give them disjoint ranges." }]);
  });

  it("covers every policy of the pack with at least one bad case", () => {
    const covered = new Set([...BAD.map(([p]) => p), "peered-ranges-disjoint"]);
    expect(POLICIES.map((p) => p.name).filter((n) => !covered.has(n))).toEqual([]);
  });
});
