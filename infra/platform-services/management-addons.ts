import * as gcp from "@pulumi/gcp";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { accountId } from "../naming";
import { chartValues } from "./charts";
import { helmRelease } from "./helm-release";
import { needsApis } from "../project-apis";

export interface ManagementAddonsArgs {
  project: string;
  provider: k8s.Provider;
  /** Cloud DNS zone ExternalDNS may write to, and the domain it covers. */
  dnsZone: string;
  domain: string;
  /** A cluster with Workload Identity (the identity pool exists only once one does). */
  identityPool: pulumi.Resource;
  /** The release that installs the ServiceMonitor CRD here (KEDA's chart renders ServiceMonitors). */
  monitoringCrds: pulumi.Resource;
}

/**
 * On the management cluster: KEDA (workers scale on queue depth) and ExternalDNS (the API's
 * hostname in Cloud DNS), the latter with its own Google identity via Workload Identity.
 */
export class ManagementAddons extends pulumi.ComponentResource {
  readonly keda: k8s.helm.v3.Release;
  /** ExternalDNS: whatever publishes hostnames waits for it, so destroy removes those first. */
  readonly externalDns: k8s.helm.v3.Release;

  constructor(name: string, args: ManagementAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:ManagementAddons", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    this.keda = helmRelease(`${name}-keda`, "keda", "keda", chartValues("keda.yaml"), { ...o, dependsOn: [args.monitoringCrds] });

    const dnsSa = new gcp.serviceaccount.Account(`${name}-external-dns-sa`, { accountId: accountId("external-dns"), displayName: "ExternalDNS (management cluster)" }, { parent: this, dependsOn: needsApis("iam.googleapis.com", "cloudresourcemanager.googleapis.com") });
    new gcp.projects.IAMMember(`${name}-external-dns-dns`, { project: args.project, role: "roles/dns.admin", member: pulumi.interpolate`serviceAccount:${dnsSa.email}` }, { parent: this });
    new gcp.serviceaccount.IAMMember(
      `${name}-external-dns-wi`,
      { serviceAccountId: dnsSa.name, role: "roles/iam.workloadIdentityUser", member: `serviceAccount:${args.project}.svc.id.goog[external-dns/external-dns]` },
      { parent: this, dependsOn: [args.identityPool] },
    );
    this.externalDns = helmRelease(
      `${name}-external-dns`,
      "externalDns",
      "external-dns",
      chartValues("external-dns.yaml", {
        domainFilters: [args.domain],
        // The chart has no zone filter value (external-dns@external-dns-helm-chart-1.19.0:
        // charts/external-dns/values.yaml); the flag matches the Cloud DNS zone's name.
        extraArgs: [`--google-project=${args.project}`, `--google-zone-visibility=public`, `--zone-id-filter=${args.dnsZone}`],
        serviceAccount: { name: "external-dns", annotations: { "iam.gke.io/gcp-service-account": dnsSa.email } },
        // Per stack: two stacks sharing a project (and a zone) must not claim each other's records.
        txtOwnerId: `${args.project}-${pulumi.getStack()}-management`,
      }),
      o,
    );
    this.registerOutputs({});
  }
}
