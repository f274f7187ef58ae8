import { isObj, listAt, objAt, type Finding, type Obj } from "./finding";

const SAFE_SECRET_TYPES = new Set([
  "Opaque",
  "kubernetes.io/dockerconfigjson",
  "kubernetes.io/dockercfg",
  "kubernetes.io/tls",
  "kubernetes.io/basic-auth",
  "kubernetes.io/ssh-auth",
]);
/** Built-in ClusterRoles that grant only namespace-local rights when bound by a RoleBinding. */
const BINDABLE_CLUSTER_ROLES = new Set(["view", "edit"]);
const ESCALATING_VERBS = new Set(["escalate", "bind", "impersonate", "*"]);

export interface ObjectPolicy {
  namespace: string;
  jobActiveDeadlineSeconds: number;
  jobTtlSecondsAfterFinished: number;
}

type Rule = (obj: Obj, policy: ObjectPolicy) => Finding[];

const secretRules: Rule = (obj) => {
  const type = obj.type === undefined ? "Opaque" : String(obj.type);
  if (type === "kubernetes.io/service-account-token") {
    return [{ path: "type", rule: "secret/service-account-token", message: "service-account-token Secrets mint API credentials; use a projected token volume instead" }];
  }
  return SAFE_SECRET_TYPES.has(type) ? [] : [{ path: "type", rule: "secret/type", message: `Secret type ${type} is not allowed; use one of ${[...SAFE_SECRET_TYPES].join(", ")}` }];
};

const serviceRules: Rule = (obj) => {
  const spec = objAt(obj, "spec") ?? {};
  const out: Finding[] = [];
  const type = spec.type === undefined ? "ClusterIP" : String(spec.type);
  if (type !== "ClusterIP") out.push({ path: "spec.type", rule: "service/type", message: `Service type ${type} would expose the job outside the cluster; use ClusterIP` });
  if (listAt(spec, "externalIPs").length > 0) out.push({ path: "spec.externalIPs", rule: "service/external-ips", message: "externalIPs can capture other tenants' traffic; remove them" });
  return out;
};

const roleRules: Rule = (obj) => {
  const out: Finding[] = [];
  listAt(obj, "rules").forEach((r, i) => {
    if (!isObj(r)) return;
    const verbs = listAt(r, "verbs").map(String);
    const bad = verbs.filter((v) => ESCALATING_VERBS.has(v));
    if (bad.length) out.push({ path: `rules[${i}].verbs`, rule: "rbac/escalation", message: `verbs ${bad.join(", ")} allow privilege escalation; list the verbs you need` });
    if (listAt(r, "nonResourceURLs").length) out.push({ path: `rules[${i}].nonResourceURLs`, rule: "rbac/non-resource", message: "nonResourceURLs are cluster-wide; remove them" });
  });
  return out;
};

const roleBindingRules: Rule = (obj, policy) => {
  const out: Finding[] = [];
  const ref = objAt(obj, "roleRef") ?? {};
  if (ref.kind === "ClusterRole" && !BINDABLE_CLUSTER_ROLES.has(String(ref.name))) {
    out.push({ path: "roleRef", rule: "rbac/cluster-role", message: `binding ClusterRole ${String(ref.name)} is not allowed; bind a Role of the job, or view/edit` });
  }
  listAt(obj, "subjects").forEach((s, i) => {
    if (!isObj(s)) return;
    if (s.kind !== "ServiceAccount") {
      out.push({ path: `subjects[${i}].kind`, rule: "rbac/subject", message: `${String(s.kind)} subjects grant rights to identities outside the job; bind a ServiceAccount of the job` });
    } else if (s.namespace === undefined) {
      s.namespace = policy.namespace;
    } else if (s.namespace !== policy.namespace) {
      out.push({ path: `subjects[${i}].namespace`, rule: "rbac/cross-namespace", message: `subjects must be in the job's namespace, not ${String(s.namespace)}` });
    }
  });
  return out;
};

/** NetworkPolicies add up: one allowing egress anywhere would undo the job's default-deny. */
const networkPolicyRules: Rule = (obj) => {
  const out: Finding[] = [];
  const spec = objAt(obj, "spec") ?? {};
  for (const dir of ["ingress", "egress"] as const) {
    listAt(spec, dir).forEach((r, i) => {
      if (!isObj(r)) return;
      const peers = listAt(r, dir === "ingress" ? "from" : "to");
      if (peers.length === 0) {
        out.push({ path: `spec.${dir}[${i}]`, rule: "network-policy/any-peer", message: `a rule without "${dir === "ingress" ? "from" : "to"}" allows every peer; name pods of the job with podSelector` });
      }
      peers.forEach((p, j) => {
        if (isObj(p) && (p.ipBlock !== undefined || p.namespaceSelector !== undefined)) {
          out.push({ path: `spec.${dir}[${i}].${dir === "ingress" ? "from" : "to"}[${j}]`, rule: "network-policy/outside-namespace", message: "ipBlock and namespaceSelector reach outside the job; only podSelector within the job is allowed" });
        }
      });
    });
  }
  return out;
};

/** Jobs left behind keep pods and quota: give every Job a deadline and a clean-up delay. */
const withJobDefaults = (jobSpec: Obj | undefined, policy: ObjectPolicy) => {
  if (!jobSpec) return;
  jobSpec.activeDeadlineSeconds ??= policy.jobActiveDeadlineSeconds;
  jobSpec.ttlSecondsAfterFinished ??= policy.jobTtlSecondsAfterFinished;
};

const RULES: Record<string, Rule> = {
  Secret: secretRules,
  Service: serviceRules,
  Role: roleRules,
  RoleBinding: roleBindingRules,
  NetworkPolicy: networkPolicyRules,
  Job: (obj, policy) => (withJobDefaults(objAt(obj, "spec"), policy), []),
  CronJob: (obj, policy) => (withJobDefaults(objAt(objAt(objAt(obj, "spec") ?? {}, "jobTemplate") ?? {}, "spec"), policy), []),
};

/** Kind-specific rules (and safe defaults, applied in place). */
export const checkObjectRules = (obj: Obj, policy: ObjectPolicy): Finding[] => RULES[String(obj.kind)]?.(obj, policy) ?? [];
