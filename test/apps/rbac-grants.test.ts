import { describe, expect, it } from "vitest";
import { ADMITTED_KINDS, APPLIER_ACCESS, LOG_READER_ACCESS } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { admit } from "../../apps/shared/admission/admit";
import { ALLOWED_KINDS } from "../../apps/shared/admission/allowed-kinds";
import { checkRoleGrants } from "../../apps/shared/admission/rbac-grants";

/**
 * Admission refuses Role rules that kube-apiserver would refuse from the applier (403, "attempting
 * to grant RBAC permissions not currently held"): the comparison follows
 * kubernetes/component-helpers@v0.36.3 auth/rbac/validation/policy_comparator.go, against the
 * applier's grants in apps/shared/contract/applier-access.ts.
 */
const role = (...rules: unknown[]) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules });

describe("Role rules a job may ask for", () => {
  it.each([
    ["pods/attach (a subresource is not covered by its resource)", { apiGroups: [""], resources: ["pods/attach"], verbs: ["get"] }, "get pods/attach"],
    ["events", { apiGroups: [""], resources: ["events"], verbs: ["list"] }, "list events"],
    ["leases", { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get"] }, "get leases.coordination.k8s.io"],
    ["deletecollection", { apiGroups: [""], resources: ["pods"], verbs: ["deletecollection"] }, "deletecollection pods"],
    ["deployments/scale", { apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["update"] }, "update deployments/scale.apps"],
    ["all API groups (`*` is covered only by `*`)", { apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }, "get pods.*"],
    ["a group × resource pair that does not exist", { apiGroups: ["", "apps"], resources: ["pods", "deployments"], verbs: ["get"] }, "get deployments"],
  ])("When a Role grants %s, then it is refused naming that permission", (_what, rule, missing) => {
    const findings = checkRoleGrants(role(rule));
    expect(findings).toEqual([expect.objectContaining({ path: "rules[0]", rule: "rbac/not-held" })]);
    expect(findings[0]!.message).toContain(`it grants ${missing}`);
  });

  it("When a Role grants what jobs usually need (read pods, update their own workloads and config), then it is accepted", () => {
    expect(
      checkRoleGrants(
        role(
          { apiGroups: [""], resources: ["pods", "configmaps", "services"], verbs: ["get", "list", "watch"] },
          { apiGroups: [""], resources: ["configmaps"], verbs: ["update", "patch", "delete"] },
          { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["get", "list", "watch", "patch"] },
          { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "delete", "get", "list", "watch"], resourceNames: [] },
        ),
      ),
    ).toEqual([]);
  });

  it("When a rule would expand to more permissions than admission checks, then it is refused before the work is done", () => {
    const many = Array.from({ length: 50 }, (_, i) => `r${i}`);
    expect(checkRoleGrants(role({ apiGroups: many, resources: many, verbs: ["get"] }))[0]).toMatchObject({ rule: "rbac/not-held", message: expect.stringMatching(/more than 2000 permissions/) });
  });

  it("The kinds the applier's RBAC covers are exactly the kinds admission allows", () => {
    expect(ADMITTED_KINDS.map((k) => `${k.apiVersion}/${k.kind}`).sort()).toEqual(Object.keys(ALLOWED_KINDS).sort());
  });

  it("When the applier binds the log-reader ClusterRole in a job namespace, then kube-apiserver needs no `bind` grant: the applier holds every rule of it there", () => {
    // https://kubernetes.io/docs/reference/access-authn-authz/rbac/#restrictions-on-role-binding-creation-or-update
    expect(checkRoleGrants(role(...LOG_READER_ACCESS.rules))).toEqual([]);
  });

  it("When a job's RoleBinding names the log-reader ClusterRole, then admission refuses it (only the applier binds it, to the read API)", () => {
    const jobId = "c1111111-2222-4333-8444-555555555555";
    const text = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: peek }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${LOG_READER_ACCESS.clusterRole} }
subjects: [{ kind: ServiceAccount, name: default }]
`;
    const v = admit(jobId, parseYamlFiles([{ name: "b.yaml", text }], { maxDocuments: 5, maxDepth: 32, maxAliases: 0 }).documents);
    expect(v.ok).toBe(false);
    expect(JSON.stringify(v)).toContain(`binding ClusterRole ${LOG_READER_ACCESS.clusterRole} is not allowed`);
  });

  it("When a job's Role asks to patch Kueue's Workloads (which the applier holds there, to clear Kueue's finalizer), then admission refuses it: jobs never write Workloads", () => {
    const jobId = "c1111111-2222-4333-8444-555555555555";
    const text = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: requeue }
rules: [{ apiGroups: [kueue.x-k8s.io], resources: [workloads], verbs: [patch] }]
`;
    // The cluster itself would accept such a Role from the applier...
    expect(checkRoleGrants(role({ apiGroups: ["kueue.x-k8s.io"], resources: ["workloads"], verbs: ["patch"] }))).toEqual([]);
    // ...admission's allow-list of writes does not.
    const v = admit(jobId, parseYamlFiles([{ name: "r.yaml", text }], { maxDocuments: 5, maxDepth: 32, maxAliases: 0 }).documents);
    expect(v.ok).toBe(false);
    expect(JSON.stringify(v)).toContain("patch on kueue.x-k8s.io/workloads is not allowed");
  });

  it("When a job names its RoleBinding like one the platform creates in every job namespace, then admission refuses it and says to rename it", () => {
    const jobId = "c1111111-2222-4333-8444-555555555555";
    for (const name of [APPLIER_ACCESS.jobBinding, LOG_READER_ACCESS.jobBinding]) {
      const text = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${name} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }
subjects: [{ kind: ServiceAccount, name: default }]
`;
      const v = admit(jobId, parseYamlFiles([{ name: "b.yaml", text }], { maxDocuments: 5, maxDepth: 32, maxAliases: 0 }).documents);
      expect(v.ok).toBe(false);
      expect(JSON.stringify(v)).toContain(`the RoleBinding name ${name} is reserved`);
      expect(JSON.stringify(v)).toContain("give yours another name");
    }
    // Any other name, same binding: admitted.
    const ok = admit(jobId, parseYamlFiles([{ name: "b.yaml", text: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: readers }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }\nsubjects: [{ kind: ServiceAccount, name: default }]\n" }], { maxDocuments: 5, maxDepth: 32, maxAliases: 0 }).documents);
    expect(ok.ok).toBe(true);
  });
});
