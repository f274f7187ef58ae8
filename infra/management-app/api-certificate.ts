import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { needsApis } from "../project-apis";

export interface ApiCertificateArgs {
  hostname: string;
  /** Cloud DNS managed zone of the hostname, for the DNS authorization record. */
  dnsZone: string;
}

/**
 * A Google-managed TLS certificate for the API's hostname, in a Certificate Manager map the
 * GKE Gateway uses. DNS authorization (a CNAME in the zone) lets it be issued before traffic
 * reaches the load balancer, so the API is never served without TLS.
 */
export class ApiCertificate extends pulumi.ComponentResource {
  readonly map: gcp.certificatemanager.CertificateMap;

  constructor(name: string, args: ApiCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:ApiCertificate", name, {}, opts);
    const o = { parent: this };
    const apis = { ...o, dependsOn: needsApis("certificatemanager.googleapis.com", "dns.googleapis.com") };
    const auth = new gcp.certificatemanager.DnsAuthorization(`${name}-dns-auth`, { domain: args.hostname }, apis);
    new gcp.dns.RecordSet(
      `${name}-dns-auth-record`,
      {
        managedZone: args.dnsZone,
        name: auth.dnsResourceRecords.apply((r) => r[0]?.name ?? ""),
        type: auth.dnsResourceRecords.apply((r) => r[0]?.type ?? "CNAME"),
        ttl: 300,
        rrdatas: auth.dnsResourceRecords.apply((r) => [r[0]?.data ?? ""]),
      },
      o,
    );
    const cert = new gcp.certificatemanager.Certificate(
      `${name}-cert`,
      { scope: "DEFAULT", managed: { domains: [args.hostname], dnsAuthorizations: [auth.id] } },
      o,
    );
    this.map = new gcp.certificatemanager.CertificateMap(`${name}-map`, { description: `TLS for ${args.hostname}` }, apis);
    new gcp.certificatemanager.CertificateMapEntry(`${name}-map-entry`, { map: this.map.name, hostname: args.hostname, certificates: [cert.id] }, o);
    this.registerOutputs({ map: this.map.name });
  }
}
