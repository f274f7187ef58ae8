import { applierRulesInJobNamespace, type PolicyRule } from "../contract";
import { isObj, listAt, type Finding, type Obj } from "./finding";

/**
 * A job's Role may grant only what the Cluster Applier itself holds in the job's namespace:
 * kube-apiserver refuses any other Role from it with 403 (kubernetes/kubernetes v1.36
 * pkg/registry/rbac/role/policybased/storage.go, ConfirmNoEscalation in
 * pkg/registry/rbac/validation/rule.go). The comparison is the server's, literal and per
 * (group, resource, verb, name) triple (kubernetes/component-helpers@v0.36.3
 * auth/rbac/validation/policy_comparator.go): `*` is covered only by `*`, `pods` does not cover
 * `pods/log`, and a rule listing groups ["", "apps"] asks for every group × resource pair.
 * Refusing here says so at submit time instead of a FAILED job.
 */
const HELD: PolicyRule[] = applierRulesInJobNamespace();

const has = (set: string[] | undefined, x: string) => (set ?? []).includes(x);
const covered = (g: string, r: string, v: string, name: string | undefined) =>
  HELD.some(
    (o) =>
      (has(o.verbs, "*") || has(o.verbs, v)) &&
      (has(o.apiGroups, "*") || has(o.apiGroups, g)) &&
      (has(o.resources, "*") || has(o.resources, r) || (r.includes("/") && has(o.resources, `*/${r.split("/").slice(1).join("/")}`))) &&
      (!o.resourceNames?.length || (name !== undefined && has(o.resourceNames, name))),
  );

/** What a group resource may be granted, for the message. */
const heldFor = (g: string, r: string) => [...new Set(HELD.filter((o) => has(o.apiGroups, g) && has(o.resources, r) && !o.resourceNames?.length).flatMap((o) => o.verbs))].sort();

// Bound the work before doing it: the breakdown is groups × resources × verbs × names.
const MAX_TRIPLES = 2000;

export const checkRoleGrants = (obj: Obj): Finding[] => {
  if (obj.kind !== "Role") return [];
  const out: Finding[] = [];
  listAt(obj, "rules").forEach((rule, i) => {
    if (!isObj(rule)) return;
    const groups = listAt(rule, "apiGroups").map(String);
    const resources = listAt(rule, "resources").map(String);
    const verbs = listAt(rule, "verbs").map(String);
    const names = listAt(rule, "resourceNames").map(String);
    if (groups.length * resources.length * verbs.length * Math.max(names.length, 1) > MAX_TRIPLES) {
      out.push({ path: `rules[${i}]`, rule: "rbac/not-held", message: `the rule grants more than ${MAX_TRIPLES} permissions; list the groups, resources and verbs the job needs` });
      return;
    }
    const missing: string[] = [];
    for (const g of groups)
      for (const r of resources)
        for (const v of verbs) for (const n of names.length ? names : [undefined]) if (!covered(g, r, v, n)) missing.push(`${v} ${r}${g ? `.${g}` : ""}${n ? `/${n}` : ""}`);
    if (missing.length === 0) return;
    const pairs = [...new Set(groups.flatMap((g) => resources.map((r) => `${r}${g ? `.${g}` : ""}: ${heldFor(g, r).join(", ") || "nothing"}`)))];
    out.push({
      path: `rules[${i}]`,
      rule: "rbac/not-held",
      message: `the cluster would refuse this Role: it grants ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}, which the platform itself does not hold in the job's namespace (a Role may grant only that). Grantable here: ${pairs.slice(0, 5).join("; ")}`,
    });
  });
  return out;
};
