import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { VpcRanges } from "./cidr-plan";
import { needsApis } from "../project-apis";

export interface VpcNetworkArgs {
  region: string;
  ranges: VpcRanges;
  /** Log NAT errors only: enough to debug egress, cheap enough to leave on. */
  natLogging?: boolean;
}

export const PODS_RANGE = "pods";
export const SERVICES_RANGE = "services";

/**
 * One custom-mode VPC for one GKE cluster: a subnet with secondary ranges for pods and
 * services, and a Cloud Router with Cloud NAT, since nodes have no public IPs.
 */
export class VpcNetwork extends pulumi.ComponentResource {
  readonly network: gcp.compute.Network;
  readonly subnet: gcp.compute.Subnetwork;
  readonly router: gcp.compute.Router;
  readonly nat: gcp.compute.RouterNat;

  constructor(name: string, args: VpcNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:network:VpcNetwork", name, {}, opts);

    this.network = new gcp.compute.Network(
      `${name}-net`,
      { autoCreateSubnetworks: false, routingMode: "REGIONAL", description: `${name} VPC` },
      { parent: this, dependsOn: needsApis("compute.googleapis.com") },
    );

    this.subnet = new gcp.compute.Subnetwork(
      `${name}-subnet`,
      {
        network: this.network.id,
        region: args.region,
        ipCidrRange: args.ranges.nodes,
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
          { rangeName: PODS_RANGE, ipCidrRange: args.ranges.pods },
          { rangeName: SERVICES_RANGE, ipCidrRange: args.ranges.services },
        ],
        logConfig: { aggregationInterval: "INTERVAL_5_MIN", flowSampling: 0.1, metadata: "INCLUDE_ALL_METADATA" },
      },
      { parent: this },
    );

    this.router = new gcp.compute.Router(`${name}-router`, { network: this.network.id, region: args.region }, { parent: this });

    this.nat = new gcp.compute.RouterNat(
      `${name}-nat`,
      {
        router: this.router.name,
        region: args.region,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        logConfig: { enable: args.natLogging ?? true, filter: "ERRORS_ONLY" },
      },
      { parent: this },
    );

    this.registerOutputs({ networkId: this.network.id, subnetId: this.subnet.id, natName: this.nat.name });
  }
}
