import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export const HUB_SERVICES = ["rabbitmq", "redis", "elasticsearch", "logstash", "prometheus"] as const;
export type HubService = (typeof HUB_SERVICES)[number];

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

  /** GKE's annotation that puts an internal LoadBalancer Service on a reserved address. */
  annotation(svc: HubService): pulumi.Output<Record<string, string>> {
    return this.addresses[svc].name.apply((n): Record<string, string> => ({ "networking.gke.io/load-balancer-ip-addresses": n }));
  }
}
