import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPLIER_ACCESS } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";

/**
 * The API-server double refuses what kube-apiserver refuses. Each test names the kube-apiserver
 * source the rule comes from (kubernetes/kubernetes v1.36 unless a staging tag is given), so a
 * test of the applier that passes against the double says something about a real cluster.
 */

let api: KubeApiDouble;
beforeAll(async () => {
  api = await startKubeApiDouble();
});
afterAll(async () => {
  await api.close();
});

type As = keyof typeof DOUBLE_USERS;
const call = async (method: string, path: string, body?: unknown, opts: { as?: As; type?: string } = {}) => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DOUBLE_USERS[opts.as ?? "applier"].token}`, ...(body ? { "content-type": opts.type ?? "application/apply-patch+yaml" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text.split("\n")[0]!) : undefined, text };
};
const apply = (path: string, obj: Record<string, any>, opts: { as?: As; dryRun?: boolean } = {}) =>
  call("PATCH", `${path}?fieldManager=test&force=true${opts.dryRun ? "&dryRun=All" : ""}`, obj, opts);
const core = (ns: string, plural: string, name: string) => `/api/v1/namespaces/${ns}/${plural}/${name}`;
const rbac = (ns: string, plural: string, name: string) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/${plural}/${name}`;
const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...extra }, data: { a: "b" } });

let n = 0;
/** A job namespace as the applier makes it: the namespace, then its own binding in it. */
const jobNamespace = async () => {
  const ns = `job-double-${++n}`;
  expect((await apply(`/api/v1/namespaces/${ns}`, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })).status).toBe(200);
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: APPLIER_ACCESS.jobBinding, finalizers: [APPLIER_ACCESS.bindingFinalizer] },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: APPLIER_ACCESS.jobClusterRole },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: DOUBLE_USERS.applier.name }],
  };
  expect((await apply(rbac(ns, "rolebindings", APPLIER_ACCESS.jobBinding), binding)).status).toBe(200);
  return ns;
};
const role = (name: string, rules: unknown[]) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name }, rules });
const binding = (name: string, roleRef: Record<string, string>) => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
  subjects: [{ kind: "ServiceAccount", name: "runner" }],
});

describe("the API-server double authorizes every request with RBAC", () => {
  // plugin/pkg/auth/authorizer/rbac/rbac.go; message: kubernetes/apiserver@v0.36.3 pkg/endpoints/handlers/responsewriters/errors.go
  it("When the applier reads Secrets in kube-system, then it is refused with 403 as kube-apiserver words it", async () => {
    const res = await call("GET", "/api/v1/namespaces/kube-system/secrets");
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(`secrets is forbidden: User "${DOUBLE_USERS.applier.name}" cannot list resource "secrets" in API group "" in the namespace "kube-system"`);
    expect((await call("GET", "/api/v1/namespaces/kube-system/secrets", undefined, { as: "admin" })).status).toBe(200);
  });

  it("When the applier creates a Pod outside a job namespace it bound itself in, then it is refused", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "x" }] } };
    const res = await apply(core("kube-system", "pods", "p"), pod);
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/cannot patch resource "pods" in API group "" in the namespace "kube-system"/);
  });

  // kubernetes/apiserver@v0.36.3 pkg/endpoints/handlers/patch.go: createAuthorizerAttributes, withAuthorization
  it("When server-side apply would create an object, then `create` is checked as well as `patch`", async () => {
    const ns = "patch-only";
    api.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns }, status: { phase: "Active" } });
    api.put({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "patch", namespace: ns }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["patch"] }] });
    api.put({ ...binding("patch", { kind: "Role", name: "patch" }), metadata: { name: "patch", namespace: ns }, subjects: [{ kind: "User", name: DOUBLE_USERS.applier.name }] });
    const created = await apply(core(ns, "configmaps", "new"), cm("new"));
    expect(created.status).toBe(403);
    expect(created.body.message).toMatch(/configmaps "new" is forbidden: .* cannot create resource "configmaps"/);
    api.put({ ...cm("old"), metadata: { name: "old", namespace: ns } });
    expect((await apply(core(ns, "configmaps", "old"), cm("old"))).status).toBe(200);
  });

  it("When the applier binds itself in a namespace, then only the job ClusterRole, under the fixed binding name, is allowed", async () => {
    await call("PATCH", "/api/v1/namespaces/other?fieldManager=t", { apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } }, { as: "admin", type: "application/apply-patch+yaml" });
    const wrongName = await apply(rbac("other", "rolebindings", "mine"), { ...binding("mine", { kind: "ClusterRole", name: APPLIER_ACCESS.jobClusterRole }) });
    expect(wrongName.status).toBe(403);
    const wrongRole = await apply(rbac("other", "rolebindings", APPLIER_ACCESS.jobBinding), binding(APPLIER_ACCESS.jobBinding, { kind: "ClusterRole", name: "edit" }));
    expect(wrongRole.status).toBe(403);
    expect(wrongRole.body.message).toMatch(/is attempting to grant RBAC permissions not currently held/);
  });
});

describe("the API-server double checks escalation on Roles and RoleBindings", () => {
  // pkg/registry/rbac/role/policybased/storage.go → pkg/registry/rbac/validation/rule.go ConfirmNoEscalation
  // with kubernetes/component-helpers@v0.36.3 auth/rbac/validation/policy_comparator.go Covers
  it("When a Role grants what the applier does not hold (pods/attach, events, `*` groups, deletecollection), then it is refused with 403 naming each permission", async () => {
    const ns = await jobNamespace();
    for (const [rule, missing] of [
      [{ apiGroups: [""], resources: ["pods/attach"], verbs: ["get"] }, `{APIGroups:[""], Resources:["pods/attach"], Verbs:["get"]}`],
      [{ apiGroups: [""], resources: ["events"], verbs: ["list"] }, `{APIGroups:[""], Resources:["events"], Verbs:["list"]}`],
      [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }, `{APIGroups:["*"], Resources:["pods"], Verbs:["get"]}`],
      [{ apiGroups: [""], resources: ["pods"], verbs: ["deletecollection"] }, `{APIGroups:[""], Resources:["pods"], Verbs:["deletecollection"]}`],
    ] as const) {
      const res = await apply(rbac(ns, "roles", "r"), role("r", [rule]), { dryRun: true });
      expect(res.status).toBe(403);
      expect(res.body.message).toContain(`roles.rbac.authorization.k8s.io "r" is forbidden: user "${DOUBLE_USERS.applier.name}"`);
      expect(res.body.message).toContain(`is attempting to grant RBAC permissions not currently held:\n${missing}`);
    }
    expect((await apply(rbac(ns, "roles", "r"), role("r", [{ apiGroups: [""], resources: ["pods", "configmaps"], verbs: ["get", "list", "watch"] }]))).status).toBe(200);
  });

  // pkg/registry/rbac/rolebinding/policybased/storage.go: without `bind`, the role is resolved (GetRoleReferenceRules)
  it("When a RoleBinding's Role exists only in a dry run, then the binding's dry run is refused with 404 (a dry run persists nothing)", async () => {
    const ns = await jobNamespace();
    const reader = role("reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]);
    expect((await apply(rbac(ns, "roles", "reader"), reader, { dryRun: true })).status).toBe(200);
    expect((await call("GET", rbac(ns, "roles", "reader"))).status).toBe(404);
    const res = await apply(rbac(ns, "rolebindings", "read"), binding("read", { kind: "Role", name: "reader" }), { dryRun: true });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(`roles.rbac.authorization.k8s.io "reader" not found`);
    // Once the Role exists, the applier holds all it grants, so the binding passes.
    expect((await apply(rbac(ns, "roles", "reader"), reader)).status).toBe(200);
    expect((await apply(rbac(ns, "rolebindings", "read"), binding("read", { kind: "Role", name: "reader" }), { dryRun: true })).status).toBe(200);
  });

  // pkg/registry/rbac/escalation_check.go BindingAuthorized
  it("When a RoleBinding names ClusterRole view, then it passes only because the applier holds `bind` on it in job namespaces; edit is refused", async () => {
    const ns = await jobNamespace();
    expect((await apply(rbac(ns, "rolebindings", "v"), binding("v", { kind: "ClusterRole", name: "view" }))).status).toBe(200);
    expect(api.authz.some((a) => a.verb === "bind" && a.name === "view" && a.namespace === ns && a.allowed)).toBe(true);
    // The applier holds neither `bind` on edit nor edit's rules (BINDABLE_CLUSTER_ROLES in the contract).
    expect((await apply(rbac(ns, "rolebindings", "e"), binding("e", { kind: "ClusterRole", name: "edit" }))).status).toBe(403);
  });
});

describe("the API-server double admits like kube-apiserver", () => {
  // plugin/pkg/admission/serviceaccount/admission.go; default account: pkg/controller/serviceaccount/serviceaccounts_controller.go
  it("When a Pod names a ServiceAccount that was only dry-run, then it is refused with 403; the default account exists", async () => {
    const ns = await jobNamespace();
    const pod = (sa?: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { ...(sa ? { serviceAccountName: sa } : {}), containers: [{ name: "c", image: "x" }] } });
    expect((await apply(core(ns, "serviceaccounts", "runner"), { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "runner" } }, { dryRun: true })).status).toBe(200);
    const res = await apply(core(ns, "pods", "p"), pod("runner"), { dryRun: true });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(`pods "p" is forbidden: error looking up service account ${ns}/runner: serviceaccount "runner" not found`);
    expect((await apply(core(ns, "pods", "p"), pod(), { dryRun: true })).status).toBe(200);
  });

  // kubernetes/apiserver@v0.36.3 pkg/admission/plugin/namespace/lifecycle/admission.go
  it("When an object goes to a missing or terminating namespace, then it is refused (404, then 403)", async () => {
    expect((await apply(core("job-nowhere", "configmaps", "c"), cm("c"), { as: "admin" })).status).toBe(404);
    const ns = await jobNamespace();
    expect((await call("DELETE", `/api/v1/namespaces/${ns}`)).status).toBe(200);
    const res = await apply(core(ns, "configmaps", "c"), cm("c"));
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/unable to create new content in namespace .* because it is being terminated/);
  });

  // kubernetes/apimachinery@v0.36.3 pkg/util/managedfields/internal/structuredmerge.go;
  // kubernetes/apiserver@v0.36.3 pkg/endpoints/handlers/patch.go applyPatch, pkg/registry/generic/registry/store.go Update
  it("When an apply carries managedFields, a uid or an old resourceVersion, then it is refused (400, 409, 409)", async () => {
    const ns = await jobNamespace();
    const managed = await apply(core(ns, "configmaps", "m"), cm("m", { managedFields: [{ manager: "kubectl", operation: "Apply" }] }));
    expect(managed).toMatchObject({ status: 400, body: { message: "metadata.managedFields must be nil" } });
    const uid = await apply(core(ns, "configmaps", "u"), cm("u", { uid: "0d7c3c4e-1111-2222-3333-444455556666" }));
    expect(uid.status).toBe(409);
    expect(uid.body.message).toMatch(/uid mismatch: the provided object specified uid .*, and no existing object was found/);
    const first = await apply(core(ns, "configmaps", "v"), cm("v"));
    await apply(core(ns, "configmaps", "v"), { ...cm("v"), data: { a: "c" } });
    const stale = await apply(core(ns, "configmaps", "v"), cm("v", { resourceVersion: first.body.metadata.resourceVersion }));
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/the object has been modified; please apply your changes to the latest version/);
  });
});

describe("the API-server double deletes like kube-apiserver", () => {
  // kubernetes/apiserver@v0.36.3 pkg/registry/generic/registry/store.go (Delete, shouldDeleteDuringUpdate)
  it("When an object with a finalizer is deleted, then it stays until the finalizer is removed", async () => {
    const ns = await jobNamespace();
    await apply(core(ns, "configmaps", "f"), cm("f", { finalizers: ["example.com/hold"] }));
    expect((await call("DELETE", core(ns, "configmaps", "f"))).status).toBe(200);
    expect(api.get("configmaps", ns, "f")?.metadata.deletionTimestamp).toBeDefined();
    expect((await call("PATCH", core(ns, "configmaps", "f"), { metadata: { finalizers: [] } }, { type: "application/merge-patch+json" })).status).toBe(200);
    expect(api.get("configmaps", ns, "f")).toBeUndefined();
  });

  // pkg/registry/core/pod/strategy.go CheckGracefulDelete; kubernetes/apiserver pkg/registry/rest/delete.go BeforeDelete
  it("When a scheduled pod with a long grace period is deleted, then it stays; deleting again with a shorter one ends it sooner", async () => {
    const ns = await jobNamespace();
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "slow", namespace: ns }, spec: { nodeName: "n1", terminationGracePeriodSeconds: 3600, containers: [] }, status: { phase: "Running" } });
    await call("DELETE", core(ns, "pods", "slow"));
    expect(api.get("pods", ns, "slow")?.metadata.deletionGracePeriodSeconds).toBe(3600);
    await call("DELETE", `${core(ns, "pods", "slow")}?gracePeriodSeconds=7200`);
    expect(api.get("pods", ns, "slow")?.metadata.deletionGracePeriodSeconds).toBe(3600);
    await call("DELETE", `${core(ns, "pods", "slow")}?gracePeriodSeconds=1`);
    await expect.poll(() => api.get("pods", ns, "slow"), { timeout: 2000 }).toBeUndefined();
  });

  // pkg/controller/namespace/deletion/namespaced_resources_deleter.go
  it("When a namespace holds an object with a finalizer, then the namespace stays Terminating until that finalizer is gone", async () => {
    const ns = await jobNamespace();
    await apply(core(ns, "configmaps", "f"), cm("f", { finalizers: ["example.com/hold"] }));
    await call("DELETE", `/api/v1/namespaces/${ns}`);
    // The controller's sweep has come (after terminationMs) and marked the content for deletion; the finalizer holds it.
    await eventually(() => expect(api.get("configmaps", ns, "f")?.metadata.deletionTimestamp).toBeDefined());
    expect(api.get("namespaces", "", ns)?.status.phase).toBe("Terminating");
    // The applier's own binding still grants it access while the namespace terminates (rule.go does not skip deleting bindings).
    expect((await call("PATCH", core(ns, "configmaps", "f"), { metadata: { finalizers: [] } }, { type: "application/merge-patch+json" })).status).toBe(200);
    await call("PATCH", rbac(ns, "rolebindings", APPLIER_ACCESS.jobBinding), { metadata: { finalizers: [] } }, { type: "application/merge-patch+json" });
    await expect.poll(() => api.get("namespaces", "", ns), { timeout: 2000 }).toBeUndefined();
  });
});

describe("the API-server double's watches", () => {
  // kubernetes/apiserver@v0.36.3 pkg/endpoints/handlers/watch.go (timeout), pkg/storage/cacher (410 for too old versions)
  it("When a watch has been open for the server's timeout, then it ends; resuming from a resourceVersion sends only what came after", async () => {
    api.watchTimeoutMs = 300;
    try {
      const ns = await jobNamespace();
      const list = await call("GET", `/api/v1/namespaces/${ns}/configmaps`);
      await apply(core(ns, "configmaps", "later"), cm("later"));
      const started = Date.now();
      const res = await call("GET", `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const events = res.text.trim().split("\n").map((l) => JSON.parse(l));
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED later"]);
      api.historyLimit = 1;
      await apply(core(ns, "configmaps", "last"), cm("last"));
      const gone = await call("GET", `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=1`);
      expect(gone.body).toMatchObject({ type: "ERROR", object: { code: 410 } });
    } finally {
      api.watchTimeoutMs = 60_000;
      api.historyLimit = 2000;
    }
  });
});
