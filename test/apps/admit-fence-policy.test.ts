import { evaluate } from "@marcbachmann/cel-js";
import { ValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import { ValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding";
import { beforeAll, describe, expect, it } from "vitest";
import { FENCE_QUOTA, JOB_ID_LABEL, MANAGED_BY_LABEL, namespaceFor } from "../../apps/shared/contract";
import { namespaceObjects } from "../../apps/shared/isolation/namespace-objects";
import { DEFAULT_ISOLATION } from "../../apps/shared/contract";
import { NAMESPACE_CONTROLLER, fencePolicySpec, finalizerPolicySpec } from "../../infra/management-app/job-fence-policy";
import type { OfflineRun } from "../../infra/plan/offline-run";
import { named, ofType, runStack, unwrapSecrets } from "../infra/stack-suite";

/**
 * The in-cluster fence (ValidatingAdmissionPolicy) evaluated with a real CEL evaluator
 * (@marcbachmann/cel-js) over admission requests shaped as the API server sends them
 * (admission.k8s.io/v1 AdmissionRequest: userInfo, resource, operation; object null on DELETE,
 * oldObject null on CREATE; namespaceObject for namespaced resources). The harness follows the
 * documented semantics: matchConstraints select the request, variables are evaluated in order
 * and visible as `variables.<name>`, every validation must be true
 * (https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).
 */
const APPLIER = "app-cluster-applier@acme-dev.iam.gserviceaccount.com";
const JOB = "0b6f1c2e-3f7a-4a8e-9c1d-2e3f4a5b6c7d";
const NS = namespaceFor(JOB);
const JOB_SA = `system:serviceaccount:${NS}:worker`;
const spec = fencePolicySpec(APPLIER);
const fence = namespaceObjects(JOB, DEFAULT_ISOLATION);
const jobNamespace = fence[0] as Record<string, any>;

type Op = "CREATE" | "UPDATE" | "DELETE";
interface Req {
  user: string;
  op: Op;
  group?: string;
  resource: string;
  object?: Record<string, any> | null;
  oldObject?: Record<string, any> | null;
  namespaceObject?: Record<string, any> | null;
}

type Spec = { matchConstraints: { resourceRules: { apiGroups: string[]; resources: string[]; operations: string[] }[] }; variables: { name: string; expression: string }[]; validations: { expression: string; message: string }[] };
const has = (list: string[], x: string) => list.includes("*") || list.includes(x);
const admitRequest = (r: Req, spec: Spec = fencePolicySpec(APPLIER)): { allowed: boolean; messages: string[] } => {
  const group = r.group ?? "";
  const matched = spec.matchConstraints.resourceRules.some((rule) => has(rule.apiGroups, group) && has(rule.resources, r.resource) && has(rule.operations, r.op));
  if (!matched) return { allowed: true, messages: [] };
  const ctx: Record<string, unknown> = {
    request: { operation: r.op, userInfo: { username: r.user, groups: ["system:authenticated"] }, resource: { group, version: "v1", resource: r.resource } },
    object: r.object ?? null,
    oldObject: r.oldObject ?? null,
    namespaceObject: r.namespaceObject ?? null,
  };
  const variables: Record<string, unknown> = {};
  for (const v of spec.variables) variables[v.name] = evaluate(v.expression, { ...ctx, variables });
  const messages = spec.validations.filter((v) => evaluate(v.expression, { ...ctx, variables }) !== true).map((v) => v.message);
  return { allowed: messages.length === 0, messages };
};

const quota = fence.find((o) => o.kind === "ResourceQuota")!;
const denyAll = fence.find((o) => o.kind === "NetworkPolicy")!;
const otherNamespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: { "kubernetes.io/metadata.name": "team-a" } } };

describe("job fence policy (CEL) against admission requests", () => {
  it("When the applier installs the fence in a job namespace, then every object is allowed", () => {
    expect(admitRequest({ user: APPLIER, op: "CREATE", resource: "namespaces", object: jobNamespace })).toEqual({ allowed: true, messages: [] });
    expect(admitRequest({ user: APPLIER, op: "CREATE", resource: "resourcequotas", object: quota, namespaceObject: jobNamespace }).allowed).toBe(true);
    expect(admitRequest({ user: APPLIER, op: "UPDATE", group: "networking.k8s.io", resource: "networkpolicies", object: denyAll, oldObject: denyAll, namespaceObject: jobNamespace }).allowed).toBe(true);
  });

  it("When a job's service account deletes or changes the fence's network policies, quota or limit range, then it is denied", () => {
    const cases: Req[] = [
      { user: JOB_SA, op: "DELETE", group: "networking.k8s.io", resource: "networkpolicies", oldObject: denyAll, namespaceObject: jobNamespace },
      { user: JOB_SA, op: "CREATE", group: "networking.k8s.io", resource: "networkpolicies", object: { ...denyAll, metadata: { name: "allow-all", namespace: NS } }, namespaceObject: jobNamespace },
      { user: JOB_SA, op: "UPDATE", resource: "resourcequotas", object: quota, oldObject: quota, namespaceObject: jobNamespace },
      { user: JOB_SA, op: "DELETE", resource: "limitranges", oldObject: fence.find((o) => o.kind === "LimitRange"), namespaceObject: jobNamespace },
    ];
    for (const c of cases) {
      const v = admitRequest(c);
      expect(v.allowed, `${c.op} ${c.resource}`).toBe(false);
      expect(v.messages[0]).toMatch(/only the Management App's applier/);
    }
  });

  it("When the namespace controller empties a job namespace being deleted, then it may delete the fence, but not change it", () => {
    expect(admitRequest({ user: NAMESPACE_CONTROLLER, op: "DELETE", resource: "resourcequotas", oldObject: quota, namespaceObject: { ...jobNamespace, status: { phase: "Terminating" } } }).allowed).toBe(true);
    expect(admitRequest({ user: NAMESPACE_CONTROLLER, op: "UPDATE", resource: "resourcequotas", object: quota, oldObject: quota, namespaceObject: jobNamespace }).allowed).toBe(false);
  });

  it("When a job's service account changes its namespace's labels (e.g. Pod Security to privileged) or deletes it, then it is denied", () => {
    const relabelled = structuredClone(jobNamespace);
    relabelled.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged";
    expect(admitRequest({ user: JOB_SA, op: "UPDATE", resource: "namespaces", object: relabelled, oldObject: jobNamespace }).allowed).toBe(false);
    const unlabelled = structuredClone(jobNamespace);
    delete unlabelled.metadata.labels[JOB_ID_LABEL];
    expect(admitRequest({ user: JOB_SA, op: "UPDATE", resource: "namespaces", object: unlabelled, oldObject: jobNamespace }).allowed).toBe(false);
    expect(admitRequest({ user: JOB_SA, op: "DELETE", resource: "namespaces", oldObject: jobNamespace }).allowed).toBe(false);
    expect(admitRequest({ user: JOB_SA, op: "CREATE", resource: "namespaces", object: { ...jobNamespace, metadata: { ...jobNamespace.metadata, name: "job-fake" } } }).allowed).toBe(false);
  });

  it("When a job namespace is updated without touching its labels, or the applier relabels it, then it is allowed", () => {
    const annotated = structuredClone(jobNamespace);
    annotated.metadata.annotations = { note: "x" };
    expect(admitRequest({ user: JOB_SA, op: "UPDATE", resource: "namespaces", object: annotated, oldObject: jobNamespace }).allowed).toBe(true);
    const relabelled = structuredClone(jobNamespace);
    relabelled.metadata.labels[MANAGED_BY_LABEL] = "management-app";
    relabelled.metadata.labels.extra = "1";
    expect(admitRequest({ user: APPLIER, op: "UPDATE", resource: "namespaces", object: relabelled, oldObject: jobNamespace }).allowed).toBe(true);
  });

  it("When the applier creates, patches or deletes a namespace that is not a job's (kube-system), then it is denied; its own job namespaces pass (issue 23, item 11)", () => {
    const kubeSystem = { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system", labels: { "kubernetes.io/metadata.name": "kube-system" } } };
    const relabelled = { ...kubeSystem, metadata: { ...kubeSystem.metadata, labels: { ...kubeSystem.metadata.labels, [JOB_ID_LABEL]: JOB } } };
    for (const r of [
      { op: "DELETE" as const, oldObject: kubeSystem },
      { op: "UPDATE" as const, object: relabelled, oldObject: kubeSystem },
      { op: "CREATE" as const, object: otherNamespace },
      { op: "CREATE" as const, object: { ...jobNamespace, metadata: { ...jobNamespace.metadata, name: "team-b" } } },
    ]) {
      const verdict = admitRequest({ user: APPLIER, resource: "namespaces", ...r });
      expect(verdict.allowed).toBe(false);
      expect(verdict.messages.join(" ")).toMatch(/job namespaces only/);
    }
    expect(admitRequest({ user: APPLIER, op: "CREATE", resource: "namespaces", object: jobNamespace }).allowed).toBe(true);
    expect(admitRequest({ user: APPLIER, op: "UPDATE", resource: "namespaces", object: jobNamespace, oldObject: jobNamespace }).allowed).toBe(true);
    expect(admitRequest({ user: APPLIER, op: "DELETE", resource: "namespaces", oldObject: jobNamespace }).allowed).toBe(true);
  });

  it("When anything happens outside job namespaces, then the policy does not interfere", () => {
    expect(admitRequest({ user: "someone@example.com", op: "CREATE", group: "networking.k8s.io", resource: "networkpolicies", object: denyAll, namespaceObject: otherNamespace }).allowed).toBe(true);
    expect(admitRequest({ user: "someone@example.com", op: "DELETE", resource: "namespaces", oldObject: otherNamespace }).allowed).toBe(true);
    expect(admitRequest({ user: "someone@example.com", op: "CREATE", resource: "namespaces", object: { metadata: { name: "plain" } } }).allowed).toBe(true);
  });

  it("When a job's service account adds a finalizer to a ConfigMap it may write, then it is denied; system controllers and unchanged finalizers pass", () => {
    const fin = finalizerPolicySpec();
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: NS } };
    const withFinalizer = { ...cm, metadata: { ...cm.metadata, finalizers: ["example.com/never"] } };
    expect(admitRequest({ user: JOB_SA, op: "UPDATE", resource: "configmaps", object: withFinalizer, oldObject: cm, namespaceObject: jobNamespace }, fin)).toEqual({ allowed: false, messages: [expect.stringMatching(/may not add finalizers/)] });
    expect(admitRequest({ user: JOB_SA, op: "CREATE", resource: "configmaps", object: withFinalizer, namespaceObject: jobNamespace }, fin).allowed).toBe(false);
    expect(admitRequest({ user: JOB_SA, op: "UPDATE", resource: "configmaps", object: withFinalizer, oldObject: withFinalizer, namespaceObject: jobNamespace }, fin).allowed).toBe(true);
    expect(admitRequest({ user: JOB_SA, op: "UPDATE", resource: "configmaps", object: cm, oldObject: withFinalizer, namespaceObject: jobNamespace }, fin).allowed).toBe(true);
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: NS, finalizers: ["batch.kubernetes.io/job-tracking"] } };
    expect(admitRequest({ user: "system:serviceaccount:kube-system:job-controller", op: "CREATE", resource: "pods", object: pod, namespaceObject: jobNamespace }, fin).allowed).toBe(true);
    expect(admitRequest({ user: APPLIER, op: "CREATE", resource: "configmaps", object: withFinalizer, namespaceObject: jobNamespace }, fin).allowed).toBe(true);
  });

  it("When the policy and binding are checked against the Kubernetes schema, then they are valid", () => {
    expect(() => new ValidatingAdmissionPolicy({ metadata: { name: "job-finalizers" }, spec: finalizerPolicySpec() as never }).validate()).not.toThrow();
    expect(() => new ValidatingAdmissionPolicy({ metadata: { name: "job-fence" }, spec: spec as never }).validate()).not.toThrow();
    expect(() => new ValidatingAdmissionPolicyBinding({ metadata: { name: "job-fence" }, spec: { policyName: "job-fence", validationActions: ["Deny"] } }).validate()).not.toThrow();
  });
});

describe("job fence policy in the stack (dev stack, Pulumi mocks)", () => {
  let run: OfflineRun;
  beforeAll(async () => {
    run = await runStack("dev");
  }, 120_000);

  it("When the stack is planned, then the policy and its Deny binding are on the deployments cluster, for the applier's identity", () => {
    const policy = named(run, "deployments-access-fence-policy");
    expect(policy.type).toBe("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy");
    expect(policy.provider).toContain("::deployments-k8s::");
    const applier = (unwrapSecrets(named(run, "deployments-access-binding").inputs) as any).subjects[0].name as string;
    expect(unwrapSecrets(policy.inputs).spec).toEqual(fencePolicySpec(applier));
    const binding = named(run, "deployments-access-fence-binding");
    expect(binding.provider).toContain("::deployments-k8s::");
    expect((binding.inputs as any).spec).toMatchObject({ policyName: "job-fence.platform.example.dev", validationActions: ["Deny"] });
    // Ours two, and the applier's own "job namespaces only" policy (issue 18).
    expect(ofType(run, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy").map((r) => r.name).sort()).toEqual(["deployments-access-fence-finalizers", "deployments-access-fence-policy", "deployments-access-job-namespaces-only"]);
    const finalizers = named(run, "deployments-access-fence-finalizers");
    expect(finalizers.provider).toContain("::deployments-k8s::");
    expect((finalizers.inputs as any).spec).toEqual(finalizerPolicySpec());
    expect((named(run, "deployments-access-fence-finalizers-binding").inputs as any).spec).toMatchObject({ policyName: "job-finalizers.platform.example.dev", validationActions: ["Deny"] });
    expect(quota.metadata).toMatchObject({ name: FENCE_QUOTA });
  });
});
