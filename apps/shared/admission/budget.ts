import { QUOTA_COUNTED_KINDS, type IsolationSettings, type Problem } from "../contract";
import { isObj, listAt, objAt, type Obj, type Report } from "./finding";
import { podFigure } from "./placement";
import { podOf } from "./pod-security";
import { quantity, show } from "./quantity";

/**
 * The whole job against the namespace's ResourceQuota, with the numbers the applier installs
 * (apps/shared/isolation/namespace-objects.ts): a job over its quota would be DONE
 * and then never get its pods, with nothing telling the user.
 */
export interface BudgetPolicy {
  isolation: IsolationSettings;
  /** StorageClasses claims may name; a claim without one gets the cluster's default class. */
  allowedStorageClasses: string[];
}

/** A claim template or PVC spec: its storage class and requested size. */
const checkClaim = (spec: Obj | undefined, path: string, policy: BudgetPolicy, r: Report): number => {
  if (!spec) return 0;
  const sc = spec.storageClassName;
  if (sc !== undefined && sc !== null && !policy.allowedStorageClasses.includes(String(sc))) {
    r.bad(`${path}.storageClassName`, "storage/class", `storage class ${String(sc)} is not offered; use one of ${policy.allowedStorageClasses.join(", ")} (ALLOWED_STORAGE_CLASSES) or leave it out for the default`);
  }
  const raw = objAt(objAt(spec, "resources") ?? {}, "requests")?.storage;
  const n = quantity(raw);
  if (raw !== undefined && n === undefined) r.bad(`${path}.resources.requests.storage`, "limits/quantity", `${String(raw)} is not a quantity (e.g. 10Gi)`);
  const max = quantity(policy.isolation.quota.storage)!;
  if (n !== undefined && n > max) r.bad(`${path}.resources.requests.storage`, "limits/storage", `${String(raw)} is above the job's storage quota ${policy.isolation.quota.storage} (JOB_QUOTA_STORAGE)`);
  return n ?? 0;
};

/** Storage classes and sizes of one object's claims (PVCs, StatefulSet templates, ephemeral volumes). */
export const checkStorage = (obj: Obj, policy: BudgetPolicy, r: Report) => {
  if (obj.kind === "PersistentVolumeClaim") checkClaim(objAt(obj, "spec"), "spec", policy, r);
  if (obj.kind === "StatefulSet") {
    listAt(objAt(obj, "spec") ?? {}, "volumeClaimTemplates").forEach((t, i) => isObj(t) && checkClaim(objAt(t, "spec"), `spec.volumeClaimTemplates[${i}].spec`, policy, r));
  }
  const pod = podOf(obj);
  listAt(pod?.spec ?? {}, "volumes").forEach((v, i) => {
    const claim = isObj(v) ? objAt(objAt(objAt(v, "ephemeral") ?? {}, "volumeClaimTemplate") ?? {}, "spec") : undefined;
    if (claim) checkClaim(claim, `${pod!.specPath}.volumes[${i}].ephemeral.volumeClaimTemplate.spec`, policy, r);
  });
};

/** Where the figure an object contributes is set. */
const figurePath = (o: Obj) =>
  ({ Deployment: "spec.replicas", StatefulSet: "spec.replicas", ReplicaSet: "spec.replicas", Job: "spec.parallelism", CronJob: "spec.jobTemplate.spec.parallelism", PersistentVolumeClaim: "spec.resources.requests.storage" })[String(o.kind)] ?? "spec";

const ref = (o: Obj) => `${String(o.kind)}/${String(objAt(o, "metadata")?.name)}`;

/** How many pods a workload runs at most: replicas or parallelism, or what its autoscaler allows. */
const podsOf = (obj: Obj, autoscaled: Map<string, number>): number => {
  const spec = objAt(obj, "spec") ?? {};
  const n = (v: unknown, d: number) => (typeof v === "number" && v >= 0 ? v : d);
  switch (obj.kind) {
    case "Pod":
      return 1;
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
      return Math.max(n(spec.replicas, 1), autoscaled.get(ref(obj)) ?? 0);
    case "Job":
      return n(spec.parallelism, 1);
    case "CronJob":
      return n(objAt(objAt(spec, "jobTemplate") ?? {}, "spec")?.parallelism, 1);
    default:
      return 0;
  }
};

/** Objects the quota counts by kind (contract/job-limits.ts: every kind a job may create). */
const COUNTED = Object.keys(QUOTA_COUNTED_KINDS);

/** An admitted object and where it came from. */
export interface Placed {
  obj: Obj;
  at: { file: string; document: number; line: number };
}

/**
 * Sums over the job against its quota. Each problem names the setting that bounds it and is
 * attributed to the object that asks for the most of it (the one to shrink first).
 */
export const checkBudget = (placed: Placed[], policy: BudgetPolicy): Problem[] => {
  const iso = policy.isolation;
  const manifests = placed.map((p) => p.obj);
  const share = new Map<string, Map<Placed, number>>();
  const add = (what: string, p: Placed, n: number) => {
    if (n <= 0) return;
    const m = share.get(what) ?? new Map<Placed, number>();
    m.set(p, (m.get(p) ?? 0) + n);
    share.set(what, m);
  };
  const autoscaled = new Map<string, number>();
  for (const m of manifests) {
    if (m.kind !== "HorizontalPodAutoscaler") continue;
    const spec = objAt(m, "spec") ?? {};
    const target = objAt(spec, "scaleTargetRef") ?? {};
    if (typeof spec.maxReplicas === "number") autoscaled.set(`${String(target.kind)}/${String(target.name)}`, spec.maxReplicas);
  }
  const total = { pods: 0, cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0, storage: 0 };
  const counts = new Map<string, number>();
  for (const p of placed) {
    const m = p.obj;
    counts.set(String(m.kind), (counts.get(String(m.kind)) ?? 0) + 1);
    const pod = podOf(m);
    const pods = podsOf(m, autoscaled);
    const figures: [keyof typeof total, number][] = [];
    if (pod && pods > 0) {
      figures.push(
        ["pods", pods],
        ["cpuReq", pods * podFigure(pod.spec, iso, "requests", "cpu")],
        ["cpuLim", pods * podFigure(pod.spec, iso, "limits", "cpu")],
        ["memReq", pods * podFigure(pod.spec, iso, "requests", "memory")],
        ["memLim", pods * podFigure(pod.spec, iso, "limits", "memory")],
      );
    }
    const claimSize = (spec: Obj | undefined) => quantity(objAt(objAt(spec ?? {}, "resources") ?? {}, "requests")?.storage) ?? 0;
    if (m.kind === "PersistentVolumeClaim") figures.push(["storage", claimSize(objAt(m, "spec"))]);
    if (m.kind === "StatefulSet") {
      for (const t of listAt(objAt(m, "spec") ?? {}, "volumeClaimTemplates")) {
        if (isObj(t)) figures.push(["storage", pods * claimSize(objAt(t, "spec"))]);
        counts.set("PersistentVolumeClaim", (counts.get("PersistentVolumeClaim") ?? 0) + pods);
      }
    }
    for (const [what, n] of figures) {
      total[what] += n;
      add(what, p, n);
    }
  }
  const out: Problem[] = [];
  const biggest = (what: string) => [...(share.get(what) ?? new Map<Placed, number>()).entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const over = (what: string, used: string, limit: string, setting: string, key?: keyof typeof total) => {
    const p = key ? biggest(key) : undefined;
    const where = p ? { ...p.at, object: ref(p.obj), path: figurePath(p.obj) } : {};
    out.push({ ...where, rule: "quota/exceeded", message: `the job needs ${used} ${what} at most, above its quota of ${limit} (${setting}); ask for less or split the job` });
  };
  const cpu = quantity(iso.quota.cpu)!;
  const mem = quantity(iso.quota.memory)!;
  if (total.pods > iso.quota.pods) over("pods", String(total.pods), String(iso.quota.pods), "JOB_QUOTA_PODS", "pods");
  if (total.cpuReq > cpu) over("CPU requested (replicas x requests)", show(total.cpuReq, "cpu"), iso.quota.cpu, "JOB_QUOTA_CPU", "cpuReq");
  if (total.cpuLim > cpu) over("CPU as limits (replicas x limits)", show(total.cpuLim, "cpu"), iso.quota.cpu, "JOB_QUOTA_CPU", "cpuLim");
  if (total.memReq > mem) over("memory requested (replicas x requests)", show(total.memReq, "memory"), iso.quota.memory, "JOB_QUOTA_MEMORY", "memReq");
  if (total.memLim > mem) over("memory as limits (replicas x limits)", show(total.memLim, "memory"), iso.quota.memory, "JOB_QUOTA_MEMORY", "memLim");
  if (total.storage > quantity(iso.quota.storage)!) over("of storage", show(total.storage, "storage"), iso.quota.storage, "JOB_QUOTA_STORAGE", "storage");
  for (const kind of COUNTED) {
    // The quota leaves room above this for what the platform and Kubernetes put there (kube-root-ca.crt, the fence).
    const limit = iso.quota.objects;
    const n = counts.get(kind) ?? 0;
    if (n > limit) over(`${kind} objects`, String(n), String(limit), "JOB_QUOTA_OBJECTS");
  }
  return out;
};
