/**
 * The API-server double's RBAC: the authorizer and the escalation check, written from
 * kube-apiserver's source (not shared with production code, so a mistake there is not mirrored):
 * - rule matching: kubernetes/kubernetes v1.36 plugin/pkg/auth/authorizer/rbac/rbac.go (RuleAllows)
 *   and pkg/apis/rbac/v1/evaluation_helpers.go (VerbMatches, ResourceMatches incl. `*` and
 *   `*\/subresource`, ResourceNameMatches: a rule with resourceNames never matches a request
 *   without a name);
 * - which rules a user holds: pkg/registry/rbac/validation/rule.go VisitRulesFor (every
 *   ClusterRoleBinding, plus the RoleBindings of the request's namespace; bindings being deleted
 *   still count);
 * - "covers" for escalation: kubernetes/component-helpers@v0.36.3 auth/rbac/validation/policy_comparator.go
 *   (literal comparison: `*` is covered only by `*`, `pods` does not cover `pods/log`).
 */

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface Attributes {
  user: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name?: string;
}
type Obj = Record<string, any>;
/** Reads RBAC objects from the double's store. */
export interface RbacStore {
  list(kind: "ClusterRoleBinding" | "RoleBinding" | "ClusterRole" | "Role", namespace?: string): Obj[];
  find(kind: "ClusterRole" | "Role", namespace: string, name: string): Obj | undefined;
}

const has = (set: string[] | undefined, x: string) => (set ?? []).includes(x);

export const ruleAllows = (rule: Rule, a: Attributes): boolean => {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceMatches =
    has(rule.resources, "*") || has(rule.resources, resource) || (a.subresource !== undefined && has(rule.resources, `*/${a.subresource}`));
  const nameMatches = !rule.resourceNames?.length || (a.name !== undefined && has(rule.resourceNames, a.name));
  return (has(rule.verbs, "*") || has(rule.verbs, a.verb)) && (has(rule.apiGroups, "*") || has(rule.apiGroups, a.apiGroup)) && resourceMatches && nameMatches;
};

const subjectIs = (s: Obj, user: string, groups: string[], namespace: string) =>
  (s.kind === "User" && s.name === user) ||
  (s.kind === "Group" && groups.includes(s.name)) ||
  (s.kind === "ServiceAccount" && user === `system:serviceaccount:${s.namespace ?? namespace}:${s.name}`);

export class NotFoundError extends Error {}

/** The rules a roleRef points to; NotFoundError when the role does not exist (yet). */
export const roleRefRules = (store: RbacStore, ref: Obj, namespace: string): Rule[] => {
  const role = ref.kind === "ClusterRole" ? store.find("ClusterRole", "", ref.name) : store.find("Role", namespace, ref.name);
  if (!role) throw new NotFoundError(`${ref.kind === "ClusterRole" ? "clusterroles" : "roles"}.rbac.authorization.k8s.io "${ref.name}" not found`);
  return role.rules ?? [];
};

/** Every rule the user holds in `namespace` ("" = cluster scope only), with the binding it comes from. */
const sourcedRules = (store: RbacStore, user: string, groups: string[], namespace: string): { rule: Rule; via: string }[] => {
  const bindings = [...store.list("ClusterRoleBinding").map((b) => ({ b, ns: "" })), ...(namespace ? store.list("RoleBinding", namespace).map((b) => ({ b, ns: namespace })) : [])];
  const out: { rule: Rule; via: string }[] = [];
  for (const { b, ns } of bindings) {
    if (!(b.subjects ?? []).some((s: Obj) => subjectIs(s, user, groups, ns))) continue;
    const via = ns ? `RoleBinding/${b.metadata.name}` : `ClusterRoleBinding/${b.metadata.name}`;
    try {
      out.push(...roleRefRules(store, b.roleRef, ns).map((rule) => ({ rule, via })));
    } catch {
      /* a binding to a missing role grants nothing (rule.go keeps going) */
    }
  }
  return out;
};

export const rulesFor = (store: RbacStore, user: string, groups: string[], namespace: string): Rule[] => sourcedRules(store, user, groups, namespace).map((r) => r.rule);

/** The binding whose rule allows the request (ClusterRoleBindings are visited first, as in rule.go), or undefined. */
export const authorize = (store: RbacStore, groups: string[], a: Attributes): string | undefined =>
  groups.includes("system:masters") ? "group/system:masters" : sourcedRules(store, a.user, groups, a.namespace).find((r) => ruleAllows(r.rule, a))?.via;

/** policy_comparator.go BreakdownRule: one verb, resource and name per rule. */
const breakdown = (rule: Rule): Rule[] => {
  const out: Rule[] = [];
  for (const g of rule.apiGroups ?? [])
    for (const r of rule.resources ?? [])
      for (const v of rule.verbs)
        if (rule.resourceNames?.length) for (const n of rule.resourceNames) out.push({ apiGroups: [g], resources: [r], verbs: [v], resourceNames: [n] });
        else out.push({ apiGroups: [g], resources: [r], verbs: [v] });
  for (const u of rule.nonResourceURLs ?? []) for (const v of rule.verbs) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
};

const covers = (owner: Rule, sub: Rule): boolean => {
  const all = (set: string[] | undefined, xs: string[] | undefined) => (xs ?? []).every((x) => has(set, x));
  const resources = (sub.resources ?? []).every((r) => has(owner.resources, "*") || has(owner.resources, r) || (r.includes("/") && has(owner.resources, `*/${r.split("/").slice(1).join("/")}`)));
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => o === u || (o.endsWith("*") && u.startsWith(o.slice(0, -1)))));
  const names = !sub.resourceNames?.length ? !owner.resourceNames?.length : !owner.resourceNames?.length || all(owner.resourceNames, sub.resourceNames);
  return (has(owner.verbs, "*") || all(owner.verbs, sub.verbs)) && (has(owner.apiGroups, "*") || all(owner.apiGroups, sub.apiGroups)) && resources && urls && names;
};

/** The parts of `wanted` that `held` does not cover (empty: no escalation). */
export const uncovered = (held: Rule[], wanted: Rule[]): Rule[] => wanted.flatMap(breakdown).filter((sub) => !held.some((o) => covers(o, sub)));

/** How rule.go prints a missing permission: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export const describeRule = (r: Rule): string => {
  const q = (xs: string[]) => xs.map((x) => JSON.stringify(x)).join(" ");
  const parts: string[] = [];
  if (r.apiGroups) parts.push(`APIGroups:[${q(r.apiGroups)}]`);
  if (r.resources) parts.push(`Resources:[${q(r.resources)}]`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:[${q(r.resourceNames)}]`);
  if (r.nonResourceURLs) parts.push(`NonResourceURLs:[${q(r.nonResourceURLs)}]`);
  parts.push(`Verbs:[${q(r.verbs)}]`);
  return `{${parts.join(", ")}}`;
};
