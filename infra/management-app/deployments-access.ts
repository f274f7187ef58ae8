import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface DeploymentsAccessArgs {
  provider: k8s.Provider;
  /** The applier's Google service account email, as GKE presents it to RBAC. */
  applierEmail: pulumi.Input<string>;
  /** Who serves `GET /jobs/:id/logs` (entrypoint, status worker): they read pods and their logs, nothing else. */
  logReaderEmails?: pulumi.Input<string>[];
}

const JOB_KINDS = [
  { apiGroups: [""], resources: ["configmaps", "secrets", "services", "serviceaccounts", "persistentvolumeclaims", "pods", "resourcequotas", "limitranges"] },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "replicasets"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"] },
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"] },
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"] },
];

/**
 * What the Cluster Applier may do in the `deployments` cluster: manage namespaces and the
 * kinds admission allows, watch pods, and bind only the view/edit ClusterRoles. Nothing else
 * (no nodes, no cluster-scoped objects besides namespaces, no other ClusterRoles).
 */
export class DeploymentsAccess extends pulumi.ComponentResource {
  constructor(name: string, args: DeploymentsAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:DeploymentsAccess", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-role`,
      {
        metadata: { name: "management-app-applier" },
        rules: [
          { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch", "create", "patch", "delete"] },
          ...JOB_KINDS.map((k) => ({ ...k, verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] })),
          { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], resourceNames: ["view", "edit"], verbs: ["bind"] },
          { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
          // Logs outlive pods: the applier saves them when a pod ends and before a rollback.
          { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        ],
      },
      o,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-binding`,
      {
        metadata: { name: "management-app-applier" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: args.applierEmail }],
      },
      o,
    );
    if (args.logReaderEmails && args.logReaderEmails.length > 0) {
      const reader = new k8s.rbac.v1.ClusterRole(
        `${name}-log-reader`,
        {
          metadata: { name: "management-app-log-reader" },
          rules: [
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
            { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
          ],
        },
        o,
      );
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-log-reader-binding`,
        {
          metadata: { name: "management-app-log-reader" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: reader.metadata.name },
          subjects: args.logReaderEmails.map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name })),
        },
        o,
      );
    }
    this.registerOutputs({});
  }
}
