import { isObj, listAt, objAt, type Obj, type Report } from "./finding";
import { APPLIER_ACCESS, BINDABLE_CLUSTER_ROLES, LOG_READER_ACCESS } from "../contract/applier-access";

/**
 * What a job may grant its own service accounts, as an allow-list, because a grant is a way
 * around admission: whatever a pod can create through the API never passes through here.
 * A Role that can write NetworkPolicies, the quota, RBAC or the namespace can take the fence
 * down; one that can create pods, Services or Deployments can create what admission refuses
 * (ExternalName Services, images from any registry, ...). So:
 *
 * - reading (get, list, watch) any namespaced resource of the job's namespace: allowed;
 * - writing: only coordination and diagnostics that create nothing that runs or routes:
 *   ConfigMaps and Leases (leader election, coordination of workers), Events, exec and
 *   port-forward into the job's pods, deleting (restarting) its pods;
 * - never: `*` in apiGroups, resources or verbs; escalate, bind, impersonate; token requests
 *   (serviceaccounts/token); nonResourceURLs.
 *
 * RoleBindings may bind only service accounts of the job's namespace, to a Role of the job or
 * to the ClusterRole `view` (read-only, and without Secrets). `edit` and `admin` include write
 * on Services, workloads and (admin) RBAC: refused.
 */
const READ_VERBS = new Set(["get", "list", "watch"]);
const FORBIDDEN_VERBS = new Set(["escalate", "bind", "impersonate", "*"]);
/** `group/resource` → the write verbs allowed on it. */
const WRITABLE: Readonly<Record<string, ReadonlySet<string>>> = {
  "/configmaps": new Set(["create", "update", "patch", "delete"]),
  "coordination.k8s.io/leases": new Set(["create", "update", "patch", "delete"]),
  "/events": new Set(["create", "patch"]),
  "events.k8s.io/events": new Set(["create", "patch"]),
  "/pods/exec": new Set(["create", "get"]),
  "/pods/portforward": new Set(["create", "get"]),
  "/pods": new Set(["delete"]),
};
/** From the contract: the applier holds `bind` on exactly these (applier-access.ts). */
export const BINDABLE_CLUSTER_ROLE_SET: ReadonlySet<string> = new Set(BINDABLE_CLUSTER_ROLES);

const strings = (o: Obj, key: string) => listAt(o, key).map(String);

export const checkRole = (obj: Obj, r: Report) => {
  listAt(obj, "rules").forEach((rule, i) => {
    if (!isObj(rule)) return;
    const at = `rules[${i}]`;
    if (listAt(rule, "nonResourceURLs").length) r.bad(`${at}.nonResourceURLs`, "rbac/non-resource", "nonResourceURLs are cluster-wide; remove them");
    const groups = strings(rule, "apiGroups");
    const resources = strings(rule, "resources");
    const verbs = strings(rule, "verbs");
    for (const [field, list] of [["apiGroups", groups], ["resources", resources], ["verbs", verbs]] as const) {
      if (list.includes("*")) r.bad(`${at}.${field}`, "rbac/wildcard", `"*" in ${field} grants everything, including what is added later; list what the job needs`);
    }
    const escalating = verbs.filter((v) => FORBIDDEN_VERBS.has(v) && v !== "*");
    if (escalating.length) r.bad(`${at}.verbs`, "rbac/escalation", `verbs ${escalating.join(", ")} let a holder gain rights it was not given; remove them`);
    if (resources.some((res) => res === "serviceaccounts/token")) r.bad(`${at}.resources`, "rbac/token-request", "serviceaccounts/token mints API credentials; pods get theirs from a projected volume");

    const writes = verbs.filter((v) => !READ_VERBS.has(v) && !FORBIDDEN_VERBS.has(v));
    if (writes.length === 0) return;
    for (const group of groups.filter((g) => g !== "*")) {
      for (const res of resources.filter((x) => x !== "*" && x !== "serviceaccounts/token")) {
        const allowed = WRITABLE[`${group}/${res}`];
        const refused = writes.filter((v) => !allowed?.has(v));
        if (refused.length) {
          r.bad(
            `${at}.verbs`,
            "rbac/write",
            `${refused.join(", ")} on ${group ? `${group}/` : ""}${res} is not allowed: what the job's pods create through the API bypasses admission (and the fence objects must stay as installed). Writable: configmaps, leases, events, pods/exec, pods/portforward, and delete on pods`,
          );
        }
      }
    }
  });
};

/**
 * RoleBinding names the applier creates in every job namespace (the contract's): a job's own
 * binding with one of them would clash with the platform's at apply time.
 */
export const RESERVED_BINDING_NAMES: ReadonlySet<string> = new Set([APPLIER_ACCESS.jobBinding, LOG_READER_ACCESS.jobBinding]);

export const checkRoleBinding = (obj: Obj, namespace: string, r: Report) => {
  const name = objAt(obj, "metadata")?.name;
  if (typeof name === "string" && RESERVED_BINDING_NAMES.has(name)) {
    r.bad("metadata.name", "rbac/reserved-name", `the RoleBinding name ${name} is reserved: the platform creates a binding of that name in every job namespace; give yours another name`);
  }
  const ref = objAt(obj, "roleRef") ?? {};
  if (ref.kind === "ClusterRole" && !BINDABLE_CLUSTER_ROLE_SET.has(String(ref.name))) {
    r.bad("roleRef", "rbac/cluster-role", `binding ClusterRole ${String(ref.name)} is not allowed (it grants writes that bypass admission); bind a Role of the job, or ClusterRole view`);
  } else if (ref.kind !== "ClusterRole" && ref.kind !== "Role") {
    r.bad("roleRef.kind", "rbac/role-ref", `roleRef.kind must be Role or ClusterRole, not ${String(ref.kind)}`);
  }
  listAt(obj, "subjects").forEach((s, i) => {
    if (!isObj(s)) return;
    if (s.kind !== "ServiceAccount") {
      r.bad(`subjects[${i}].kind`, "rbac/subject", `${String(s.kind)} subjects grant rights to identities outside the job; bind a ServiceAccount of the job`);
    } else if (s.namespace === undefined) {
      s.namespace = namespace;
      r.changed(`subjects[${i}].namespace`, `the subject's namespace was set to the job's namespace ${namespace}`);
    } else if (s.namespace !== namespace) {
      r.bad(`subjects[${i}].namespace`, "rbac/cross-namespace", `subjects must be in the job's namespace, not ${String(s.namespace)}`);
    }
  });
};
