import { expect, it } from "vitest";
import { readStackConfig, runOffline, type OfflineRun, type PlannedResource } from "../../infra/plan/offline-run";
import type { EngineConfig } from "../../infra/plan/pulumi-loader";
import { NODE_ROLES } from "../../infra/cluster/gke-cluster";
import { validatePlan, type CidrPlan } from "../../infra/network/cidr-plan";
import { PRESETS, type PresetName } from "../../stacks/presets";

export const T = {
  network: "gcp:compute/network:Network",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  router: "gcp:compute/router:Router",
  nat: "gcp:compute/routerNat:RouterNat",
  peering: "gcp:compute/networkPeering:NetworkPeering",
  firewall: "gcp:compute/firewall:Firewall",
  cluster: "gcp:container/cluster:Cluster",
  pool: "gcp:container/nodePool:NodePool",
  account: "gcp:serviceaccount/account:Account",
  iam: "gcp:projects/iAMMember:IAMMember",
  k8s: "pulumi:providers:kubernetes",
} as const;

/**
 * Run the real program for a stack (its Pulumi.<stack>.yaml, changed by `edit` if given) under
 * Pulumi's mocks. The program reads its config when imported: a second run in one file needs
 * `vi.resetModules()` first.
 */
export const runStack = (stack: string, edit: (c: EngineConfig) => EngineConfig = (c) => c): Promise<OfflineRun> =>
  runOffline(edit(readStackConfig(stack)), stack, () => import("../../infra/index"));

export const ofType = (run: OfflineRun, type: string) => run.resources.filter((r) => r.type === type);
export const named = (run: OfflineRun, name: string): PlannedResource => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource named ${name}`);
  return r;
};
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;

/** Pulumi's wire marker of a secret value (the engine encrypts these in state). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const isSecret = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270";

/** A resource's inputs with secrets unwrapped, as policies (and readers of values) see them. */
export const unwrapSecrets = (v: any): any =>
  isSecret(v) ? unwrapSecrets(v.value) : Array.isArray(v) ? v.map(unwrapSecrets) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)])) : v;

/** The node service accounts and their role grants (the clusters' own, not the apps'). */
const nodeAccounts = (run: OfflineRun) => ofType(run, T.account).filter((r) => r.name.endsWith("-nodes"));
const nodeRoles = (run: OfflineRun) => ofType(run, T.iam).filter((r) => /-nodes-/.test(r.name));

/** What every stack must satisfy, whatever its preset. */
export const platformInvariants = (getRun: () => OfflineRun, presetName: PresetName) => {
  const preset = PRESETS[presetName];

  it("creates exactly the network and cluster layer: 3 VPCs, 4 peerings, NAT per VPC, 3 clusters with one pool each, plus the deployments job pools", () => {
    const run = getRun();
    const count = (t: string) => ofType(run, t).length;
    const jobPools = preset.jobPools.gpu ? 2 : 1;
    expect([T.network, T.subnet, T.router, T.nat, T.cluster, T.pool, T.k8s].map(count)).toEqual([3, 3, 3, 3, 3, 3 + jobPools, 3]);
    expect(count(T.peering)).toBe(4);
    expect(nodeAccounts(run)).toHaveLength(3);
    expect(nodeRoles(run)).toHaveLength(3 * NODE_ROLES.length);
    // Per VPC: internal, control plane, health checks; the hub one per service it offers
    // peers (4), each spoke one deny of the other.
    expect(count(T.firewall)).toBe(3 * 3 + 4 + 2);
  });

  it("gives every VPC a Cloud Router and a NAT for all its ranges (nodes have no public IP)", () => {
    const run = getRun();
    for (const vpc of ["management", "resources", "deployments"]) {
      const router = named(run, `${vpc}-router`);
      expect(router.dependsOn).toContain(named(run, `${vpc}-net`).urn);
      const nat = named(run, `${vpc}-nat`);
      expect(nat.dependsOn).toContain(router.urn);
      expect(inputs(nat).sourceSubnetworkIpRangesToNat).toBe("ALL_SUBNETWORKS_ALL_IP_RANGES");
    }
  });

  it("peers the hub with each spoke in both directions, the return leg after the first, one hub operation at a time", () => {
    const run = getRun();
    const pairs = ofType(run, T.peering).map((p) => [inputs(p).network, inputs(p).peerNetwork].map((s: string) => s.split("/").pop()).join("→"));
    expect(pairs.sort()).toEqual(["deployments-net→resources-net", "management-net→resources-net", "resources-net→deployments-net", "resources-net→management-net"]);
    for (const spoke of ["management", "deployments"]) {
      expect(named(run, `resources-${spoke}-spoke-to-hub`).dependsOn).toContain(named(run, `resources-${spoke}-hub-to-spoke`).urn);
    }
    expect(named(run, "resources-deployments-hub-to-spoke").dependsOn).toContain(named(run, "resources-management-spoke-to-hub").urn);
  });

  it("never opens ingress to 0.0.0.0/0, and keeps deployments and management apart", () => {
    const run = getRun();
    for (const fw of ofType(run, T.firewall)) {
      expect(inputs(fw).direction).toBe("INGRESS");
      expect(inputs(fw).sourceRanges.some((r: string) => r.endsWith("/0")), fw.name).toBe(false);
    }
    const cidrs = run.outputs.cidrPlan as CidrPlan;
    const deny = inputs(named(run, "management-fw-deny-deployments"));
    expect(deny.denies).toEqual([{ protocol: "all" }]);
    expect(deny.sourceRanges).toEqual([cidrs.deployments.nodes, cidrs.deployments.pods]);
    expect(deny.priority).toBeLessThan(1000);
    // User workloads reach only logs and metrics on the hub, never the broker or the cache.
    const deploymentRanges = [cidrs.deployments.nodes, cidrs.deployments.pods];
    const fromDeployments = ofType(run, T.firewall).filter((f) => f.name.startsWith("resources-fw-to-") && inputs(f).sourceRanges.some((r: string) => deploymentRanges.includes(r)));
    expect(fromDeployments.map((f) => f.name).sort()).toEqual(["resources-fw-to-logstash", "resources-fw-to-prometheus"]);
  });

  it("uses a CIDR plan whose peered ranges are disjoint and large enough for the autoscaler, as configured in the subnets", () => {
    const run = getRun();
    const cidrs = run.outputs.cidrPlan as CidrPlan;
    const max = Object.fromEntries(Object.entries(preset.clusters).map(([k, v]) => [k, v.maxNodes])) as Record<keyof CidrPlan, number>;
    expect(validatePlan(cidrs, max)).toEqual([]);
    for (const vpc of ["management", "resources", "deployments"] as const) {
      const subnet = inputs(named(run, `${vpc}-subnet`));
      expect(subnet.ipCidrRange).toBe(cidrs[vpc].nodes);
      expect(subnet.secondaryIpRanges.map((r: { ipCidrRange: string }) => r.ipCidrRange)).toEqual([cidrs[vpc].pods, cidrs[vpc].services]);
      expect(inputs(named(run, `${vpc}-gke`)).privateClusterConfig.masterIpv4CidrBlock).toBe(cidrs[vpc].controlPlane);
    }
  });

  it("makes every cluster private, Workload Identity, Dataplane V2, on a release channel, with the stack's deletion protection", () => {
    const run = getRun();
    for (const c of ofType(run, T.cluster)) {
      const i = inputs(c);
      expect(i.privateClusterConfig).toMatchObject({ enablePrivateNodes: true, enablePrivateEndpoint: true });
      expect(i.workloadIdentityConfig.workloadPool).toMatch(/\.svc\.id\.goog$/);
      expect(i.datapathProvider).toBe("ADVANCED_DATAPATH");
      expect(i.releaseChannel.channel).toBe(preset.releaseChannel);
      expect(i.deletionProtection).toBe(preset.deletionProtection);
      expect(i.removeDefaultNodePool).toBe(true);
      expect(i.maintenancePolicy.recurringWindow.recurrence).toMatch(/^FREQ=/);
      expect(i.resourceLabels).toMatchObject({ platform: "gcp-compute-platform" });
    }
  });

  it("runs spot node pools with total autoscaling limits from the preset, on a dedicated least-privilege service account", () => {
    const run = getRun();
    for (const vpc of ["management", "resources", "deployments"] as const) {
      const pool = inputs(named(run, `${vpc}-pool`));
      expect(pool.nodeConfig.spot).toBe(true);
      expect(pool.autoscaling).toEqual({ totalMinNodeCount: preset.clusters[vpc].minNodes, totalMaxNodeCount: preset.clusters[vpc].maxNodes, locationPolicy: "ANY" });
      expect(pool.nodeConfig.serviceAccount).toBe(`${vpc}-nodes-${presetName}@offline.iam.gserviceaccount.com`);
      expect(pool.nodeConfig.serviceAccount).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
      expect(pool.nodeConfig.workloadMetadataConfig.mode).toBe("GKE_METADATA");
    }
    // The deployments cluster's own pool is the always-on system pool; its job pools start at zero.
    expect(preset.clusters.deployments.minNodes).toBeGreaterThanOrEqual(1);
    for (const jobPool of ofType(run, T.pool).filter((p) => p.name.startsWith("deployments-jobs-"))) {
      expect(inputs(jobPool).autoscaling.totalMinNodeCount, jobPool.name).toBe(0);
      expect(inputs(jobPool).nodeConfig.spot, jobPool.name).toBe(true);
      expect(inputs(jobPool).nodeConfig.serviceAccount).toBe(`deployments-nodes-${presetName}@offline.iam.gserviceaccount.com`);
    }
    const roles = nodeRoles(run).map((r) => inputs(r).role);
    expect(new Set(roles)).toEqual(new Set(NODE_ROLES));
    expect(roles.some((r) => /editor|owner/.test(r))).toBe(false);
  });

  it("binds each Kubernetes provider to its own cluster (kubeconfig endpoint and clusterIdentifier)", () => {
    const run = getRun();
    for (const vpc of ["management", "resources", "deployments"]) {
      const provider = inputs(named(run, `${vpc}-k8s`));
      const cluster = named(run, `${vpc}-gke`);
      expect(provider.clusterIdentifier).toBe(`${vpc}-gke-id`);
      expect(isSecret(provider.kubeconfig)).toBe(true);
      const kubeconfig = String((provider.kubeconfig as { value: string }).value);
      expect(kubeconfig).toContain(`server: https://gke-${vpc}-gke.offline.gke.goog`);
      expect(kubeconfig).toContain("command: gke-gcloud-auth-plugin");
      expect(named(run, `${vpc}-k8s`).dependsOn).toContain(named(run, `${vpc}-pool`).urn);
      expect(cluster.parent).toBe(named(run, `${vpc}-k8s`).parent);
    }
  });

  it("exports the cluster names, endpoints, kubeconfigs and network ids users need", () => {
    const run = getRun();
    expect(Object.keys(run.outputs).sort()).toEqual(
      ["apiToken", "apiTokens", "apiUrl", "cidrPlan", "clusterEndpoints", "clusterNames", "grafanaAdminPassword", "hubAddresses", "jobBucket", "kubeconfigs", "networkIds", "operatorToken", "preset"].sort(),
    );
    expect(run.outputs.clusterNames).toEqual({ management: "management-gke", resources: "resources-gke", deployments: "deployments-gke" });
  });
};
