import type * as pulumi from "@pulumi/pulumi";
import { GkeCluster } from "./cluster/gke-cluster";
import type { PlatformConfig } from "./config/platform-config";
import { VPC_NAMES, type VpcName } from "./network/cidr-plan";
import { FirewallRules } from "./network/firewall-rules";
import { HubPeering } from "./network/hub-peering";
import { VpcNetwork } from "./network/vpc-network";
import { HUB_PORTS, hubSourceRanges } from "./platform-ports";
import { HUB_SERVICES, HubAddresses } from "./platform-services/hub-addresses";
import { JobPools } from "./cluster/job-pools";
import { POOL_LABEL, POOLS } from "../apps/shared/contract";

export interface Platform {
  vpcs: Record<VpcName, VpcNetwork>;
  peerings: HubPeering[];
  /** Reserved internal IPs in the hub for the services other VPCs use. */
  addresses: HubAddresses;
  firewalls: Record<VpcName, FirewallRules>;
  clusters: Record<VpcName, GkeCluster>;
  /** The deployments cluster's spot job pools (CPU, GPU), from zero. */
  jobPools: JobPools;
}

/**
 * The network and cluster layer: three VPCs in a hub and spoke (`resources` is the hub),
 * firewalls that open only what the design needs, and one private GKE cluster per VPC.
 */
export const createPlatform = (cfg: PlatformConfig): Platform => {
  const { cidrs } = cfg;
  const vpcs = Object.fromEntries(VPC_NAMES.map((v) => [v, new VpcNetwork(v, { region: cfg.region, ranges: cidrs[v] })])) as Record<VpcName, VpcNetwork>;

  // Both peerings touch the hub, and GCP runs one peering operation per network at a time.
  const toManagement = new HubPeering("resources-management", { hub: vpcs.resources.network, spoke: vpcs.management.network });
  const toDeployments = new HubPeering("resources-deployments", {
    hub: vpcs.resources.network,
    spoke: vpcs.deployments.network,
    after: [toManagement.spokeToHub],
  });

  const addresses = new HubAddresses("hub", { region: cfg.region, subnet: vpcs.resources.subnet });

  // A cluster with a private control-plane range (masterIpv4CidrBlock) is peered with Google's
  // network by GKE itself, on the cluster's VPC. GCP runs one peering operation per network at
  // a time, and neither GKE nor the provider retries ours, so each cluster waits for the
  // peerings of its own VPC. https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
  // and https://cloud.google.com/vpc/docs/vpc-peering (peering operations per network).
  const peeringsOf: Record<VpcName, pulumi.Resource[]> = {
    resources: [toManagement.hubToSpoke, toManagement.spokeToHub, toDeployments.hubToSpoke, toDeployments.spokeToHub],
    management: [toManagement.hubToSpoke, toManagement.spokeToHub],
    deployments: [toDeployments.hubToSpoke, toDeployments.spokeToHub],
  };

  const location = cfg.preset.regional ? cfg.region : cfg.zones[0]!;
  const nodeLocations = cfg.preset.regional ? cfg.zones : [cfg.zones[0]!];
  const clusters = Object.fromEntries(
    VPC_NAMES.map((v) => [
      v,
      new GkeCluster(
        v,
        {
          project: cfg.project,
          location,
          nodeLocations,
          network: vpcs[v].network,
          subnet: vpcs[v].subnet,
          ranges: cidrs[v],
          size: cfg.clusters[v],
          spot: cfg.preset.spot,
          releaseChannel: cfg.releaseChannel,
          deletionProtection: cfg.deletionProtection,
          labels: { ...cfg.labels, cluster: v },
          ...(v === "deployments" ? { nodeLabels: { [POOL_LABEL]: POOLS.system } } : {}),
          maintenance: cfg.maintenance,
          // Nodes need NAT for image pulls from the moment they boot.
          after: [vpcs[v].nat, ...peeringsOf[v]],
          heldByLoadBalancers: v === "resources" ? addresses.all() : [],
        },
      ),
    ]),
  ) as Record<VpcName, GkeCluster>;

  const workloads = (v: VpcName) => [cidrs[v].nodes, cidrs[v].pods];
  const podRanges = Object.fromEntries(VPC_NAMES.map((v) => [v, cidrs[v].pods])) as Record<VpcName, string>;
  const firewalls: Record<VpcName, FirewallRules> = {
    // Each hub service from exactly the pods that use it, at its address, on the hub's nodes.
    resources: new FirewallRules("resources-fw", {
      network: vpcs.resources.network,
      ranges: cidrs.resources,
      peers: HUB_SERVICES.map((svc) => ({
        service: svc,
        sourceRanges: hubSourceRanges(svc, podRanges),
        tcpPorts: [HUB_PORTS[svc]],
        destinationRanges: [addresses.cidr(svc)],
        targetServiceAccounts: [clusters.resources.nodeServiceAccount.email],
      })),
    }),
    // The two spokes are not peered; they also refuse each other outright.
    management: new FirewallRules("management-fw", {
      network: vpcs.management.network,
      ranges: cidrs.management,
      deny: [{ peer: "deployments", sourceRanges: workloads("deployments") }],
    }),
    deployments: new FirewallRules("deployments-fw", {
      network: vpcs.deployments.network,
      ranges: cidrs.deployments,
      deny: [{ peer: "management", sourceRanges: workloads("management") }],
    }),
  };


  const jobPools = new JobPools("deployments-jobs", {
    cluster: clusters.deployments,
    location,
    nodeZones: nodeLocations,
    pools: cfg.jobPools,
    spot: cfg.preset.spot,
    labels: { ...cfg.labels, cluster: "deployments" },
  });

  return { vpcs, peerings: [toManagement, toDeployments], addresses, firewalls, clusters, jobPools };
};
