import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APPLIER_ACCESS, LOG_READER_ACCESS, applierRules, namespaceFor } from "../../apps/shared/contract";
import { JobFencePolicy } from "./job-fence-policy";

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
 * Secrets or Pods anywhere else, no nodes, no other cluster-scoped objects. The read API's log
 * access is a ClusterRole the applier binds the same way, per job namespace.
 * The job fence policy (job-fence-policy.ts) keeps every job's fence to this identity alone.
 */
export class DeploymentsAccess extends pulumi.ComponentResource {
  constructor(name: string, args: DeploymentsAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:DeploymentsAccess", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, { metadata: { name: APPLIER_ACCESS.clusterRole }, rules: applierRules("cluster") }, o);
    // Not bound here: the applier binds it in each job namespace it creates.
    new k8s.rbac.v1.ClusterRole(`${name}-job-role`, { metadata: { name: APPLIER_ACCESS.jobClusterRole }, rules: applierRules("job-namespace") }, o);
    // Not bound cluster-wide either: the applier binds it to the read API's identities in each job
    // namespace (LOG_READER_USERS), so they read job pods' logs and no other pod's.
    new k8s.rbac.v1.ClusterRole(`${name}-log-reader`, { metadata: { name: LOG_READER_ACCESS.clusterRole }, rules: [...LOG_READER_ACCESS.rules] }, o);
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-binding`,
      {
        metadata: { name: APPLIER_ACCESS.clusterRole },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: args.applierEmail }],
      },
      o,
    );
    // RBAC cannot restrict the binding above to job namespaces; this admission policy can: every
    // namespaced write by the applier must be in a `job-*` namespace, so its own binding (and with
    // it the admitted kinds) can never be created in kube-system or any other namespace.
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-job-namespaces-only`,
      {
        metadata: { name: `${APPLIER_ACCESS.clusterRole}-job-namespaces-only` },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], operations: ["CREATE", "UPDATE", "DELETE"], scope: "Namespaced" }] },
          matchConditions: [{ name: "is-applier", expression: pulumi.interpolate`request.userInfo.username == '${args.applierEmail}'` }],
          validations: [{ expression: `request.namespace.startsWith('${namespaceFor("")}')`, message: `the applier writes only in job namespaces (${namespaceFor("<id>")})` }],
        },
      },
      o,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-job-namespaces-only-binding`,
      { metadata: { name: `${APPLIER_ACCESS.clusterRole}-job-namespaces-only` }, spec: { policyName: policy.metadata.name, validationActions: ["Deny"] } },
      o,
    );
    // Whatever RBAC a job obtains, only this identity may change a job's fence.
    new JobFencePolicy(`${name}-fence`, { provider: args.provider, applierUser: args.applierEmail }, { parent: this });
    this.registerOutputs({});
  }
}
