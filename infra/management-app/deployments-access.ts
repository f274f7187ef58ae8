import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APPLIER_ACCESS, applierRules } from "../../apps/shared/contract";

export interface DeploymentsAccessArgs {
  provider: k8s.Provider;
  /** The applier's Google service account email, as GKE presents it to RBAC. */
  applierEmail: pulumi.Input<string>;
}

/**
 * What the Cluster Applier may do in the `deployments` cluster (apps/shared/contract/applier-access.ts,
 * read by the applier and by admission too): namespaces, cluster-wide reads for its workload
 * watcher, and binding `jobClusterRole` to itself in the namespaces it creates. The admitted kinds
 * only inside those namespaces, through that per-namespace binding: nothing in kube-system, no
 * Secrets or Pods anywhere else, no nodes, no other cluster-scoped objects.
 */
export class DeploymentsAccess extends pulumi.ComponentResource {
  constructor(name: string, args: DeploymentsAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:DeploymentsAccess", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, { metadata: { name: APPLIER_ACCESS.clusterRole }, rules: applierRules("cluster") }, o);
    // Not bound here: the applier binds it in each job namespace it creates.
    new k8s.rbac.v1.ClusterRole(`${name}-job-role`, { metadata: { name: APPLIER_ACCESS.jobClusterRole }, rules: applierRules("job-namespace") }, o);
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-binding`,
      {
        metadata: { name: APPLIER_ACCESS.clusterRole },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: args.applierEmail }],
      },
      o,
    );
    this.registerOutputs({});
  }
}
