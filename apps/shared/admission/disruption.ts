import type { Problem } from "../contract";
import type { Placed } from "./budget";
import { isObj, listAt, objAt, type Obj, type Report } from "./finding";
import { podOf } from "./pod-security";

/**
 * An IntOrString as Kubernetes reads it (kubernetes/apimachinery@v0.36.3:
 * pkg/util/intstr/intstr.go, getIntOrPercentValueSafely and GetScaledValueFromIntOrPercent): an
 * integer, or a string that ends in `%` with a decimal integer before it (Go's strconv.Atoi:
 * an optional sign, leading zeros allowed, so `"00%"` is 0% and `"0100%"` is 100%). A string
 * without `%` is an error. Percentages are scaled on `total`, rounded up or down.
 */
export const parseIntOrPercent = (v: unknown): { value: number; percent: boolean } | { error: string } => {
  if (typeof v === "number") return Number.isInteger(v) ? { value: v, percent: false } : { error: `${v} is not an integer` };
  if (typeof v !== "string") return { error: "must be an integer or a percentage string" };
  if (!v.endsWith("%")) return { error: `"${v}" is a string but not a percentage` };
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) return { error: `"${v}" is not a whole percentage` };
  return { value: Number(digits), percent: true };
};

export const scaled = (p: { value: number; percent: boolean }, total: number, roundUp: boolean): number =>
  !p.percent ? p.value : roundUp ? Math.ceil((p.value * total) / 100) : Math.floor((p.value * total) / 100);

const NO_DISRUPTION = "would block every eviction of these pods (node drains, upgrades, the autoscaler's scale-down of the shared pool) forever";

/**
 * One PodDisruptionBudget on its own: parsed as above, and refused when it allows no disruption
 * whatever the number of pods (maxUnavailable of 0 or 0%, minAvailable of 100% or more). The
 * disruption controller scales both with rounding up (kubernetes/kubernetes:
 * pkg/controller/disruption/disruption.go, getExpectedScale and the budget computation).
 */
export const checkPdb = (obj: Obj, r: Report) => {
  const spec = objAt(obj, "spec") ?? {};
  for (const field of ["maxUnavailable", "minAvailable"] as const) {
    if (spec[field] === undefined) continue;
    const p = parseIntOrPercent(spec[field]);
    if ("error" in p) {
      r.bad(`spec.${field}`, "pdb/invalid", `${field}: ${p.error}; use a count such as 1 or a percentage such as "50%"`);
      continue;
    }
    if (field === "maxUnavailable" && p.value <= 0) r.bad(`spec.${field}`, "pdb/no-disruption", `maxUnavailable ${String(spec[field])} ${NO_DISRUPTION}; allow at least one`);
    if (field === "minAvailable" && p.percent && p.value >= 100) r.bad(`spec.${field}`, "pdb/no-disruption", `minAvailable ${String(spec[field])} ${NO_DISRUPTION}; leave room for one`);
  }
};

const matches = (selector: Obj | undefined, labels: Obj | undefined): boolean => {
  const want = objAt(selector ?? {}, "matchLabels") ?? {};
  if (Object.keys(want).length === 0 || listAt(selector ?? {}, "matchExpressions").length > 0) return false;
  return Object.entries(want).every(([k, v]) => labels?.[k] === v);
};

const replicasOf = (obj: Obj): number | undefined => {
  const spec = objAt(obj, "spec") ?? {};
  if (obj.kind === "Pod") return 1;
  if (["Deployment", "StatefulSet", "ReplicaSet"].includes(String(obj.kind))) return typeof spec.replicas === "number" ? spec.replicas : 1;
  return undefined;
};

/**
 * Budgets against the pods of the job they select (simple matchLabels selectors on the job's
 * Pods, Deployments, StatefulSets, ReplicaSets): minAvailable of at least that many pods, after
 * scaling, allows no eviction either.
 */
export const checkPdbsAgainstPods = (placed: Placed[]): Problem[] => {
  const out: Problem[] = [];
  for (const p of placed) {
    if (p.obj.kind !== "PodDisruptionBudget") continue;
    const spec = objAt(p.obj, "spec") ?? {};
    if (spec.minAvailable === undefined) continue;
    const min = parseIntOrPercent(spec.minAvailable);
    if ("error" in min) continue;
    let pods = 0;
    for (const w of placed) {
      const pod = podOf(w.obj);
      const n = replicasOf(w.obj);
      if (pod && n !== undefined && matches(objAt(spec, "selector"), objAt(pod.meta ?? {}, "labels"))) pods += n;
    }
    if (pods > 0 && scaled(min, pods, true) >= pods) {
      out.push({ ...p.at, object: `PodDisruptionBudget/${String(objAt(p.obj, "metadata")?.name)}`, path: "spec.minAvailable", rule: "pdb/no-disruption", message: `minAvailable ${String(spec.minAvailable)} of the ${pods} pod(s) it selects ${NO_DISRUPTION}; leave room for one` });
    }
  }
  return out;
};

export const SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";

/**
 * The pod annotation `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"` keeps the
 * cluster autoscaler from removing the node the pod runs on (kubernetes/autoscaler:
 * cluster-autoscaler/FAQ.md, "What types of pods can prevent CA from removing a node?"), so the
 * job pool would never scale back to zero. Drains still evict it; the autoscaler never starts one.
 */
export const checkEvictionAnnotation = (meta: Obj | undefined, r: Report) => {
  const v = objAt(meta ?? {}, "annotations")?.[SAFE_TO_EVICT];
  if (v !== undefined && String(v).toLowerCase() === "false") {
    r.bad(`annotations.${SAFE_TO_EVICT}`, "pdb/safe-to-evict", `${SAFE_TO_EVICT}: "false" keeps the autoscaler from ever removing the node (the pool would not scale back to zero); remove it`);
  }
};

/**
 * Pod affinity and anti-affinity terms select pods in the job's own namespace only: a term with
 * `namespaceSelector` or naming other `namespaces` lets a job schedule next to (or away from)
 * another tenant's pods, and learn from Pending/Running whether that tenant runs anything.
 * (A term with neither means the pod's own namespace: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#namespace-selector.)
 */
export const checkPodAffinityNamespaces = (spec: Obj, namespace: string, r: Report) => {
  const affinity = objAt(spec, "affinity") ?? {};
  for (const kind of ["podAffinity", "podAntiAffinity"] as const) {
    const a = objAt(affinity, kind);
    if (!a) continue;
    const terms: { term: unknown; at: string }[] = [
      ...listAt(a, "requiredDuringSchedulingIgnoredDuringExecution").map((term, i) => ({ term, at: `affinity.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]` })),
      ...listAt(a, "preferredDuringSchedulingIgnoredDuringExecution").map((w, i) => ({ term: isObj(w) ? w.podAffinityTerm : undefined, at: `affinity.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}].podAffinityTerm` })),
    ];
    for (const { term, at } of terms) {
      if (!isObj(term)) continue;
      if (term.namespaceSelector !== undefined && term.namespaceSelector !== null) {
        r.bad(`${at}.namespaceSelector`, "placement/pod-affinity-namespace", `${kind} terms may only select pods of the job's own namespace; remove namespaceSelector`);
      }
      const others = listAt(term, "namespaces").filter((n) => n !== namespace);
      if (others.length > 0) {
        r.bad(`${at}.namespaces`, "placement/pod-affinity-namespace", `${kind} terms may only select pods of the job's own namespace (${namespace}); remove namespaces ${others.map(String).join(", ")}`);
      }
    }
  }
};
