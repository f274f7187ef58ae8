import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { HUB_ENDPOINT_NAMES, type HubEndpoint } from "../../apps/shared/contract";

/** The services other VPCs use (the contract's HUB_ENDPOINTS): Elasticsearch is not one of them. */
export const HUB_SERVICES: readonly HubEndpoint[] = HUB_ENDPOINT_NAMES;
export type HubService = HubEndpoint;

export interface HubAddressesArgs {
  region: string;
  subnet: gcp.compute.Subnetwork;
}

/**
 * Static internal IPs in the hub's subnet for the services other VPCs use. Known before the
 * Services exist, so the apps' URLs, Fluent Bit and remote write can be written into the
 * same program (and stay stable across Service re-creation).
 */
export class HubAddresses extends pulumi.ComponentResource {
  readonly addresses = {} as Record<HubService, gcp.compute.Address>;

  constructor(name: string, args: HubAddressesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:HubAddresses", name, {}, opts);
    for (const svc of HUB_SERVICES) {
      this.addresses[svc] = new gcp.compute.Address(
        `${name}-${svc}`,
        { region: args.region, subnetwork: args.subnet.id, addressType: "INTERNAL", description: `internal load balancer of ${svc}` },
        { parent: this },
      );
    }
    this.registerOutputs(Object.fromEntries(HUB_SERVICES.map((s) => [s, this.addresses[s].address])));
  }

  all(): gcp.compute.Address[] {
    return HUB_SERVICES.map((s) => this.addresses[s]);
  }

  ip(svc: HubService): pulumi.Output<string> {
    return this.addresses[svc].address;
  }

  /** The address as a /32, for firewall rules that name it as their destination. */
  cidr(svc: HubService): pulumi.Output<string> {
    return pulumi.interpolate`${this.addresses[svc].address}/32`;
  }

  /** GKE's annotation that puts an internal LoadBalancer Service on a reserved address. */
  annotation(svc: HubService): pulumi.Output<Record<string, string>> {
    return this.addresses[svc].name.apply((n): Record<string, string> => ({ "networking.gke.io/load-balancer-ip-addresses": n }));
  }
}
