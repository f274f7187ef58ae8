import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JOB_ID_LABEL, namespaceFor } from "../../apps/shared/contract";

export interface JobFencePolicyArgs {
  provider: k8s.Provider;
  /** The applier's identity as the API server sees it (GKE: its Google service account email). */
  applierUser: pulumi.Input<string>;
}

/**
 * The user name of Kubernetes' namespace controller, which deletes a namespace's contents when
 * the namespace is deleted: the "namespace-controller" service account in kube-system when the
 * controller manager uses per-controller credentials (kubernetes/kubernetes
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go, role
 * system:controller:namespace-controller). It must be able to delete fence objects, or
 * rollbacks would never finish.
 */
export const NAMESPACE_CONTROLLER = "system:serviceaccount:kube-system:namespace-controller";

/** A CEL string literal (RBAC user names hold no quotes or backslashes, but be exact). */
const celString = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const nameOf = (o: string) => `(${o} != null && has(${o}.metadata.name) ? ${o}.metadata.name : '')`;
const labelsOf = (o: string) => `(${o} != null && has(${o}.metadata.labels) ? ${o}.metadata.labels : {})`;

/**
 * The policy's spec, from the applier's user name: kept a plain function so its CEL expressions
 * are tested against admission requests (test/apps/admit-fence-policy.test.ts). The semantics
 * of `variables`, `namespaceObject`, `oldObject` on DELETE, and `validations` are those of
 * admissionregistration.k8s.io/v1 (https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).
 */
export const fencePolicySpec = (applierUser: string) => ({
  failurePolicy: "Fail",
  matchConstraints: {
    resourceRules: [
      { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["namespaces", "resourcequotas", "limitranges"] },
      { apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["networkpolicies"] },
    ],
  },
  variables: [
    { name: "isApplier", expression: `request.userInfo.username == ${celString(applierUser)}` },
    { name: "isNamespaceController", expression: `request.userInfo.username == ${celString(NAMESPACE_CONTROLLER)}` },
    { name: "inJobNamespace", expression: `'${JOB_ID_LABEL}' in ${labelsOf("namespaceObject")}` },
    { name: "isJobNamespace", expression: `request.resource.resource == 'namespaces' && ('${JOB_ID_LABEL}' in ${labelsOf("object")} || '${JOB_ID_LABEL}' in ${labelsOf("oldObject")})` },
  ],
  validations: [
    {
      // Quota, limit range and network policies of a job namespace: the applier installs them
      // (a job's own NetworkPolicies come through the applier too); the namespace controller
      // may only delete them, while it empties a namespace being deleted.
      expression:
        "request.resource.resource == 'namespaces' || !variables.inJobNamespace || variables.isApplier || (request.operation == 'DELETE' && variables.isNamespaceController)",
      message: "in a job namespace only the Management App's applier may create, change or delete ResourceQuotas, LimitRanges and NetworkPolicies (the job's fence)",
      reason: "Forbidden",
    },
    {
      // A job namespace itself: nobody else creates or deletes one, or changes its labels
      // (the Pod Security level and the job's identity live there).
      expression: `!variables.isJobNamespace || variables.isApplier || (request.operation == 'UPDATE' && ${labelsOf("object")} == ${labelsOf("oldObject")})`,
      message: "only the Management App's applier may create or delete a job namespace or change its labels",
      reason: "Forbidden",
    },
    {
      // The applier itself: job namespaces only. Its RBAC on namespaces is cluster-wide (RBAC
      // cannot name a prefix), and the applier's other policy (deployments-access.ts) matches
      // namespaced objects only, so nothing else kept it from patching or deleting kube-system.
      // A job namespace is named job-<id> and carries the job-id label: on CREATE the new object,
      // on UPDATE and DELETE the existing one (adding the label to another namespace does not make it one).
      expression: `!variables.isApplier || request.resource.resource != 'namespaces' || (request.operation == 'CREATE' ? ${nameOf("object")}.startsWith('${namespaceFor("")}') && '${JOB_ID_LABEL}' in ${labelsOf("object")} : ${nameOf("oldObject")}.startsWith('${namespaceFor("")}') && '${JOB_ID_LABEL}' in ${labelsOf("oldObject")})`,
      message: `the applier may create, change or delete job namespaces only (${namespaceFor("<id>")}, labelled ${JOB_ID_LABEL})`,
      reason: "Forbidden",
    },
  ],
});

/**
 * A job's own identities (the service accounts of its namespace) may not add finalizers to
 * anything: a finalizer nobody removes keeps the namespace Terminating and the rollback waiting
 * (escape 4 of issue 13). Admission refuses finalizers at submit; this stops a job's pods from
 * adding them later through whatever write they were granted. System controllers (the Job
 * controller's job-tracking finalizer, pvc-protection) are not the job's identities.
 */
export const finalizerPolicySpec = () => ({
  failurePolicy: "Fail",
  matchConstraints: {
    namespaceSelector: { matchExpressions: [{ key: JOB_ID_LABEL, operator: "Exists" }] },
    resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["*"] }],
  },
  variables: [
    { name: "jobIdentity", expression: "namespaceObject != null && request.userInfo.username.startsWith('system:serviceaccount:' + namespaceObject.metadata.name + ':')" },
    { name: "finalizers", expression: "object != null && has(object.metadata.finalizers) ? object.metadata.finalizers : []" },
    { name: "oldFinalizers", expression: "oldObject != null && has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : []" },
  ],
  validations: [
    {
      expression: "!variables.jobIdentity || variables.finalizers.all(f, f in variables.oldFinalizers)",
      message: "a job's service accounts may not add finalizers: they would keep the job from being deleted",
      reason: "Forbidden",
    },
  ],
});

/**
 * Defence in depth on the `deployments` cluster: a ValidatingAdmissionPolicy (and its binding)
 * that keeps every job's fence as the applier installed it, whatever RBAC a job obtained.
 * Admission already refuses grants that could reach the fence; this holds even if one slips
 * through, and against anything else in the cluster that is not the applier.
 */
export class JobFencePolicy extends pulumi.ComponentResource {
  readonly policyName: pulumi.Output<string>;

  constructor(name: string, args: JobFencePolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:JobFencePolicy", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-policy`,
      {
        metadata: { name: "job-fence.platform.example.dev" },
        spec: pulumi.output(args.applierUser).apply((user) => {
          if (!user) throw new pulumi.ResourceError("applierUser is required: the identity the applier authenticates as", this);
          return fencePolicySpec(user);
        }),
      },
      o,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-binding`,
      {
        metadata: { name: "job-fence.platform.example.dev" },
        // No matchResources: the policy's own expressions decide what is a job's fence.
        spec: { policyName: policy.metadata.name, validationActions: ["Deny"] },
      },
      o,
    );
    const finalizers = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-finalizers`,
      { metadata: { name: "job-finalizers.platform.example.dev" }, spec: finalizerPolicySpec() },
      o,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-finalizers-binding`,
      { metadata: { name: "job-finalizers.platform.example.dev" }, spec: { policyName: finalizers.metadata.name, validationActions: ["Deny"] } },
      o,
    );
    this.policyName = policy.metadata.name;
    this.registerOutputs({ policyName: this.policyName });
  }
}
