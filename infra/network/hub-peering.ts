import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface HubPeeringArgs {
  hub: gcp.compute.Network;
  spoke: gcp.compute.Network;
  /** Peerings of the same hub that must finish first (one peering operation per network at a time). */
  after?: pulumi.Resource[];
}

/**
 * VPC peering between the hub and one spoke, in both directions. GCP refuses concurrent
 * peering operations on one network, so the return direction waits for the first.
 */
export class HubPeering extends pulumi.ComponentResource {
  readonly hubToSpoke: gcp.compute.NetworkPeering;
  readonly spokeToHub: gcp.compute.NetworkPeering;

  constructor(name: string, args: HubPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:network:HubPeering", name, {}, opts);

    this.hubToSpoke = new gcp.compute.NetworkPeering(
      `${name}-hub-to-spoke`,
      { network: args.hub.selfLink, peerNetwork: args.spoke.selfLink, stackType: "IPV4_ONLY" },
      { parent: this, dependsOn: args.after ?? [] },
    );
    this.spokeToHub = new gcp.compute.NetworkPeering(
      `${name}-spoke-to-hub`,
      { network: args.spoke.selfLink, peerNetwork: args.hub.selfLink, stackType: "IPV4_ONLY" },
      { parent: this, dependsOn: [this.hubToSpoke] },
    );

    this.registerOutputs({ hubToSpoke: this.hubToSpoke.id, spokeToHub: this.spokeToHub.id });
  }
}
