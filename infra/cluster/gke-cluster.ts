import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSize } from "../../stacks/presets";
import type { VpcRanges } from "../network/cidr-plan";
import { PODS_RANGE, SERVICES_RANGE } from "../network/vpc-network";
import { accountId } from "../naming";
import { GkeLeftovers } from "./gke-leftovers";
import { gkeKubeconfig } from "./kubeconfig";
import { needsApis } from "../project-apis";

export interface GkeClusterArgs {
  project: string;
  /** A zone (zonal cluster) or a region (regional, HA control plane). */
  location: string;
  /** The zones nodes run in (for a zonal cluster, its own zone and any others). */
  nodeLocations: string[];
  network: gcp.compute.Network;
  subnet: gcp.compute.Subnetwork;
  ranges: VpcRanges;
  size: ClusterSize;
  spot: boolean;
  releaseChannel: "RAPID" | "REGULAR" | "STABLE";
  deletionProtection: boolean;
  labels: Record<string, string>;
  /** Kubernetes labels of the cluster's own pool's nodes (the deployments cluster names its system pool). */
  nodeLabels?: Record<string, string>;
  maintenance: { startTime: string; endTime: string; recurrence: string };
  /**
   * Resources the cluster needs first, e.g. the VPC's NAT (nodes pull images through it).
   * Given to the cluster itself: a component's own dependsOn does not reach its children.
   */
  after?: pulumi.Resource[];
  /**
   * Resources GKE's load balancers hold (reserved addresses): destroy deletes them only
   * after GKE has released them (see GkeLeftovers).
   */
  heldByLoadBalancers?: pulumi.Resource[];
}

/**
 * The cluster's `nodeLocations`: the zones besides its own. The provider refuses a zonal
 * cluster whose node_locations lists the cluster's zone ("when using a multi-zonal cluster,
 * node_locations should not contain the original 'zone'") and adds that zone itself;
 * hashicorp/terraform-provider-google@v7.45.0:google/services/container/resource_container_cluster.go
 * (resourceContainerClusterCreate). A regional cluster's location is no zone, so it keeps all.
 */
export const clusterNodeLocations = (location: string, nodeZones: string[]): string[] | undefined => {
  const others = nodeZones.filter((z) => z !== location);
  return others.length > 0 ? others : undefined;
};

/** The narrowest roles GKE nodes need (logs, metrics, pulling images), instead of Editor. */
export const NODE_ROLES = ["roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"];

/**
 * A private GKE cluster: nodes without public IPs, a spot node pool with autoscaling,
 * Workload Identity, Dataplane V2, its own least-privilege node service account, and a
 * Kubernetes provider bound to it.
 */
export class GkeCluster extends pulumi.ComponentResource {
  readonly nodeServiceAccount: gcp.serviceaccount.Account;
  readonly cluster: gcp.container.Cluster;
  readonly nodePool: gcp.container.NodePool;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** The node settings every pool of this cluster shares (account, metadata, shielded nodes). */
  readonly nodeConfig: gcp.types.input.container.NodePoolNodeConfig;

  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cluster:GkeCluster", name, {}, opts);
    if (args.size.minNodes > args.size.maxNodes) {
      throw new pulumi.ResourceError(`minNodes (${args.size.minNodes}) exceeds maxNodes (${args.size.maxNodes})`, this);
    }
    if (args.nodeLocations.length === 0) throw new pulumi.ResourceError("nodeLocations must list at least one zone", this);

    // Account ids are 6-30 characters; the cluster name keeps them apart.
    this.nodeServiceAccount = new gcp.serviceaccount.Account(
      `${name}-nodes`,
      { accountId: accountId(`${name}-nodes`), displayName: `GKE nodes of ${name}` },
      { parent: this, dependsOn: needsApis("iam.googleapis.com", "cloudresourcemanager.googleapis.com") },
    );
    const nodeSa = this.nodeServiceAccount.email;
    for (const role of NODE_ROLES) {
      new gcp.projects.IAMMember(
        `${name}-nodes-${role.split("/")[1]}`,
        { project: args.project, role, member: pulumi.interpolate`serviceAccount:${nodeSa}` },
        { parent: this },
      );
    }

    const nodeConfig: gcp.types.input.container.NodePoolNodeConfig = (this.nodeConfig = {
      machineType: args.size.machineType,
      diskSizeGb: args.size.diskSizeGb,
      diskType: "pd-balanced",
      spot: args.spot,
      serviceAccount: nodeSa,
      oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      resourceLabels: args.labels,
      metadata: { "disable-legacy-endpoints": "true" },
      ...(args.nodeLabels ? { labels: args.nodeLabels } : {}),
    });

    this.cluster = new gcp.container.Cluster(
      `${name}-gke`,
      {
        location: args.location,
        nodeLocations: clusterNodeLocations(args.location, args.nodeLocations),
        network: args.network.id,
        subnetwork: args.subnet.id,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: { clusterSecondaryRangeName: PODS_RANGE, servicesSecondaryRangeName: SERVICES_RANGE },
        // Node pools are managed below; the default one is removed at once (it still gets
        // our node settings so that, while it lives, it uses the least-privilege account).
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        nodeConfig,
        privateClusterConfig: {
          enablePrivateNodes: true,
          enablePrivateEndpoint: true,
          masterIpv4CidrBlock: args.ranges.controlPlane,
          masterGlobalAccessConfig: { enabled: true },
        },
        // Only the VPC's own nodes may use the private IP endpoint...
        masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: args.ranges.nodes, displayName: "own nodes" }] },
        // ...everyone else (pulumi, CI, the Cluster Applier) uses the DNS endpoint with IAM.
        controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true } },
        datapathProvider: "ADVANCED_DATAPATH",
        workloadIdentityConfig: { workloadPool: `${args.project}.svc.id.goog` },
        releaseChannel: { channel: args.releaseChannel },
        gatewayApiConfig: { channel: "CHANNEL_STANDARD" },
        enableShieldedNodes: true,
        deletionProtection: args.deletionProtection,
        resourceLabels: args.labels,
        maintenancePolicy: { recurringWindow: args.maintenance },
      },
      {
        parent: this,
        ignoreChanges: ["nodeConfig", "initialNodeCount"],
        // Workload Identity and image pulls need their APIs from the first pod on.
        dependsOn: [...(args.after ?? []), ...needsApis("container.googleapis.com", "iamcredentials.googleapis.com", "artifactregistry.googleapis.com")],
      },
    );

    this.nodePool = new gcp.container.NodePool(
      `${name}-pool`,
      {
        cluster: this.cluster.id,
        location: args.location,
        nodeLocations: args.nodeLocations,
        // Totals, not per zone: the limits mean the same in zonal and regional clusters.
        autoscaling: {
          totalMinNodeCount: args.size.minNodes,
          totalMaxNodeCount: args.size.maxNodes,
          // Any zone with spot capacity, rather than balancing into preempted zones.
          locationPolicy: "ANY",
        },
        management: { autoRepair: true, autoUpgrade: true },
        upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
        nodeConfig,
      },
      { parent: this },
    );

    const leftovers = new GkeLeftovers(
      `${name}-leftovers`,
      { project: args.project, network: args.network, cluster: this.cluster, location: args.location, after: [this.cluster, this.nodePool, ...(args.heldByLoadBalancers ?? [])] },
      { parent: this },
    );

    const dnsEndpoint = this.cluster.controlPlaneEndpointsConfig.apply((c) => c.dnsEndpointConfig?.endpoint ?? "");
    this.kubeconfig = pulumi.secret(gkeKubeconfig(this.cluster.name, dnsEndpoint));
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: this.kubeconfig,
        // Replace the provider (and so everything it deployed) only if the cluster is replaced.
        clusterIdentifier: this.cluster.id,
        enableServerSideApply: true,
      },
      // Destroy removes every object of this provider, then waits for GKE's clean-up (gate),
      // then the node pool and cluster.
      { parent: this, dependsOn: [this.nodePool, leftovers.gate] },
    );

    this.registerOutputs({ clusterName: this.cluster.name, endpoint: dnsEndpoint, kubeconfig: this.kubeconfig });
  }
}
