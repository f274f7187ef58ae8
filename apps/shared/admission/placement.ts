import { JOB_EPHEMERAL_STORAGE, type IsolationSettings } from "../contract";
import { ensureObj, isObj, listAt, objAt, type Obj, type Report } from "./finding";
import { quantity, show } from "./quantity";

/**
 * Where a job's pods may run and how big each container may be, checked at submit against the
 * same numbers the applier installs as the namespace's LimitRange (one config, both sides), so
 * a pod is not accepted here and then refused by the cluster forever with nobody told.
 */
export interface PlacementPolicy {
  isolation: IsolationSettings;
  /** PriorityClasses a job may name; `system-*` never. */
  allowedPriorityClasses: string[];
}

/** Node labels that pick a particular node or pool: that is the platform's business. */
const NODE_PINNING_KEYS = ["kubernetes.io/hostname", "cloud.google.com/gke-nodepool", "node-role.kubernetes.io/"];
const pins = (key: string) => NODE_PINNING_KEYS.some((k) => (k.endsWith("/") ? key.startsWith(k) : key === k));
/**
 * Taints that keep pods off nodes being drained or reserved for the system. The API server adds
 * NoExecute tolerations of not-ready/unreachable itself (DefaultTolerationSeconds), so those
 * are allowed with a tolerationSeconds.
 */
const SYSTEM_TAINTS = ["node-role.kubernetes.io/", "node.kubernetes.io/", "node.cloudprovider.kubernetes.io/", "components.gke.io/", "CriticalAddonsOnly", "cloud.google.com/"];
const TRANSIENT_TAINTS = new Set(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]);

const checkScheduling = (spec: Obj, policy: PlacementPolicy, r: Report) => {
  if (spec.nodeName !== undefined) r.bad("nodeName", "placement/node-name", "nodeName bypasses the scheduler (and the quota's view of the pool); remove it");
  for (const key of Object.keys(objAt(spec, "nodeSelector") ?? {})) {
    if (pins(key)) r.bad(`nodeSelector.${key}`, "placement/node-selector", `selecting nodes by ${key} is not allowed; the platform places pods on its job pool`);
  }
  const terms = listAt(objAt(objAt(objAt(spec, "affinity") ?? {}, "nodeAffinity") ?? {}, "requiredDuringSchedulingIgnoredDuringExecution") ?? {}, "nodeSelectorTerms");
  terms.forEach((t, i) => {
    if (!isObj(t)) return;
    for (const list of ["matchExpressions", "matchFields"] as const) {
      listAt(t, list).forEach((e, j) => {
        if (isObj(e) && (pins(String(e.key)) || list === "matchFields")) {
          r.bad(`affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}].${list}[${j}]`, "placement/node-affinity", `node affinity on ${String(e.key)} picks particular nodes; the platform places pods on its job pool`);
        }
      });
    }
  });
  listAt(spec, "tolerations").forEach((t, i) => {
    if (!isObj(t)) return;
    const key = typeof t.key === "string" ? t.key : "";
    if (!key && t.operator === "Exists") {
      r.bad(`tolerations[${i}]`, "placement/tolerations", "a toleration with operator Exists and no key tolerates every taint, including the system's; name the taint");
    } else if (SYSTEM_TAINTS.some((s) => key.startsWith(s))) {
      const transient = TRANSIENT_TAINTS.has(key) && t.effect === "NoExecute" && typeof t.tolerationSeconds === "number";
      if (!transient) r.bad(`tolerations[${i}].key`, "placement/tolerations", `tolerating ${key} would place the pod on nodes reserved for the system or being drained`);
    }
  });
  const pc = spec.priorityClassName;
  if (pc !== undefined) {
    if (String(pc).startsWith("system-")) r.bad("priorityClassName", "placement/priority-class", `${String(pc)} is reserved for the cluster's own components`);
    else if (!policy.allowedPriorityClasses.includes(String(pc))) {
      r.bad("priorityClassName", "placement/priority-class", `priority class ${String(pc)} is not allowed; allowed (ALLOWED_PRIORITY_CLASSES): ${policy.allowedPriorityClasses.join(", ") || "none"}`);
    }
  }
  if (spec.priority !== undefined) r.bad("priority", "placement/priority-class", "priority is set by the API server from priorityClassName; remove it");
  if (spec.runtimeClassName !== undefined) r.bad("runtimeClassName", "placement/runtime-class", "runtimeClassName selects a container runtime the platform does not offer; remove it");
};

/** Each container's requests and limits against the LimitRange maximum (JOB_MAX_CPU, JOB_MAX_MEMORY). */
const checkContainerSizes = (spec: Obj, iso: IsolationSettings, r: Report) => {
  const max = { cpu: quantity(iso.container.maxCpu)!, memory: quantity(iso.container.maxMemory)! };
  const defaults = { cpu: quantity(iso.container.defaultCpu)!, memory: quantity(iso.container.defaultMemory)! };
  const setting = { cpu: "JOB_MAX_CPU", memory: "JOB_MAX_MEMORY" } as const;
  for (const list of ["initContainers", "containers"] as const) {
    listAt(spec, list).forEach((c, i) => {
      if (!isObj(c)) return;
      const at = `${list}[${i}].resources`;
      const res = objAt(c, "resources") ?? {};
      for (const kind of ["cpu", "memory"] as const) {
        const req = objAt(res, "requests")?.[kind];
        const lim = objAt(res, "limits")?.[kind];
        for (const [field, raw] of [["requests", req], ["limits", lim]] as const) {
          if (raw === undefined) continue;
          const n = quantity(raw);
          if (n === undefined) r.bad(`${at}.${field}.${kind}`, "limits/quantity", `${String(raw)} is not a quantity (e.g. 500m, 2, 512Mi)`);
          else if (n > max[kind]) r.bad(`${at}.${field}.${kind}`, "limits/container-max", `${field}.${kind} ${String(raw)} is above the per-container maximum ${kind === "cpu" ? iso.container.maxCpu : iso.container.maxMemory} (${setting[kind]})`);
        }
        const reqN = quantity(req);
        const limN = quantity(lim);
        if (reqN !== undefined && limN !== undefined && reqN > limN) r.bad(`${at}.requests.${kind}`, "limits/request-above-limit", `requests.${kind} ${String(req)} is above limits.${kind} ${String(lim)}`);
        // The LimitRange fills in its default limit when none is given; below the request, the
        // API server would refuse the pod. Raise the limit to the request instead.
        if (reqN !== undefined && reqN <= max[kind] && lim === undefined && reqN > defaults[kind]) {
          ensureObj(ensureObj(c, "resources"), "limits")[kind] = req;
          r.changed(`${at}.limits.${kind}`, `limits.${kind} was set to the request (${String(req)}): the namespace's default limit (${kind === "cpu" ? iso.container.defaultCpu : iso.container.defaultMemory}) is below it`);
        }
      }
    });
  }
};

/** Each container's node disk (ephemeral-storage) against the LimitRange maximum (contract JOB_EPHEMERAL_STORAGE). */
const checkEphemeralStorage = (spec: Obj, r: Report) => {
  const max = quantity(JOB_EPHEMERAL_STORAGE.maxPerContainer)!;
  for (const list of ["initContainers", "containers"] as const) {
    listAt(spec, list).forEach((c, i) => {
      if (!isObj(c)) return;
      const res = objAt(c, "resources") ?? {};
      for (const field of ["requests", "limits"] as const) {
        const raw = objAt(res, field)?.["ephemeral-storage"];
        if (raw === undefined) continue;
        const n = quantity(raw);
        const at = `${list}[${i}].resources.${field}.ephemeral-storage`;
        if (n === undefined) r.bad(at, "limits/quantity", `${String(raw)} is not a quantity (e.g. 1Gi)`);
        else if (n > max) r.bad(at, "limits/container-max", `${field}.ephemeral-storage ${String(raw)} is above the per-container maximum ${JOB_EPHEMERAL_STORAGE.maxPerContainer} of node disk`);
      }
    });
  }
};

export const checkPlacement = (podSpec: Obj, policy: PlacementPolicy, r: Report) => {
  checkScheduling(podSpec, policy, r);
  checkContainerSizes(podSpec, policy.isolation, r);
  checkEphemeralStorage(podSpec, r);
};

/** The figure a pod asks for (or is limited to), as the quota counts it: containers summed, init containers at their largest. */
export const podFigure = (spec: Obj, iso: IsolationSettings, field: "requests" | "limits", kind: "cpu" | "memory"): number => {
  const dflt = quantity(kind === "cpu" ? iso.container.defaultCpu : iso.container.defaultMemory)!;
  const of = (c: unknown) => {
    if (!isObj(c)) return 0;
    const res = objAt(c, "resources") ?? {};
    // Without its own, a container gets the LimitRange default (request and limit alike), or its
    // request as limit (set above) / its limit as request (the API server's defaulting).
    const own = quantity(objAt(res, field)?.[kind]);
    const other = quantity(objAt(res, field === "requests" ? "limits" : "requests")?.[kind]);
    if (own !== undefined) return own;
    if (field === "requests") return other ?? dflt;
    return other !== undefined && other > dflt ? other : dflt;
  };
  const sum = listAt(spec, "containers").reduce<number>((s, c) => s + of(c), 0);
  const init = Math.max(0, ...listAt(spec, "initContainers").map(of));
  return Math.max(sum, init);
};

export { show };
