import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceName } from "../../apps/shared/contract";
import { accountId } from "../naming";
import { STORAGE_ROLE, missingStoragePermissions } from "./storage-role";
import { needsApis } from "../project-apis";

export const APP_NAMESPACE = "management-app";
/** Services that read or write job files; only they get access to the bucket (the status worker records events only). */
export const STORAGE_USERS: readonly ServiceName[] = ["entrypoint", "yaml-manager", "cluster-applier"];

export interface IdentitiesArgs {
  project: string;
  bucket: gcp.storage.Bucket;
  services: readonly ServiceName[];
  /**
   * A cluster with Workload Identity. `PROJECT.svc.id.goog` exists only once such a cluster
   * does; a `roles/iam.workloadIdentityUser` binding on it fails before ("Identity Pool does
   * not exist"), https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity.
   */
  identityPool: pulumi.Resource;
}

/**
 * One Google service account per service, usable only by that service's Kubernetes service
 * account (Workload Identity), with the least it needs: object access on the jobs bucket for
 * the services that use storage; the applier and the log reader (the entrypoint, which serves the public API) may
 * also connect to GKE clusters (what they may do inside `deployments` is decided by RBAC there).
 */
export class Identities extends pulumi.ComponentResource {
  readonly accounts = {} as Record<ServiceName, gcp.serviceaccount.Account>;

  constructor(name: string, args: IdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:Identities", name, {}, opts);
    const missing = missingStoragePermissions();
    if (missing.length > 0) throw new pulumi.ResourceError(`${STORAGE_ROLE} lacks ${missing.join(", ")}, which the job store uses: grant a role that has them`, this);
    for (const svc of args.services) {
      const sa = new gcp.serviceaccount.Account(`${name}-${svc}`, { accountId: accountId(`app-${svc}`), displayName: `Management App ${svc}` }, { parent: this, dependsOn: needsApis("iam.googleapis.com", "cloudresourcemanager.googleapis.com") });
      this.accounts[svc] = sa;
      new gcp.serviceaccount.IAMMember(
        `${name}-${svc}-wi`,
        { serviceAccountId: sa.name, role: "roles/iam.workloadIdentityUser", member: `serviceAccount:${args.project}.svc.id.goog[${APP_NAMESPACE}/${svc}]` },
        { parent: this, dependsOn: [args.identityPool] },
      );
      if (STORAGE_USERS.includes(svc)) {
        new gcp.storage.BucketIAMMember(
          `${name}-${svc}-bucket`,
          { bucket: args.bucket.name, role: STORAGE_ROLE, member: pulumi.interpolate`serviceAccount:${sa.email}` },
          { parent: this },
        );
      }
    }
    // Who talks to the deployments cluster: the applier, and the API's log readers (live job logs).
    for (const svc of ["cluster-applier", "entrypoint"] as const) {
      const sa = this.accounts[svc];
      if (!sa) continue;
      new gcp.projects.IAMMember(
        `${name}-${svc}-connect`,
        { project: args.project, role: "roles/container.clusterViewer", member: pulumi.interpolate`serviceAccount:${sa.email}` },
        { parent: this },
      );
    }
    this.registerOutputs(Object.fromEntries(Object.entries(this.accounts).map(([k, v]) => [k, v.email])));
  }
}
