import { KUEUE_PREFIX } from "../contract";
import { isObj, listAt, objAt, type Obj, type Report } from "./finding";

/**
 * Fields the API server writes (uid, resourceVersion, generation, creationTimestamp,
 * managedFields, deletion*, selfLink, status): `kubectl get -o yaml` output carries them, so
 * they are removed, not refused, and the removal is reported when they held a value. Left in,
 * they fail the apply: server-side apply refuses managedFields, and uid/resourceVersion act as
 * preconditions (kube-apiserver's behaviour, recorded in the team's design notes among the
 * facts checked upstream). `creationTimestamp: null` and `status: {}`, as
 * `kubectl create --dry-run=client -o yaml` writes them, are removed silently.
 *
 * Fields that would tie the job's objects to something else are refused: finalizers wait for
 * a controller the platform does not run (a user finalizer kept namespaces Terminating and
 * stalled rollbacks), and ownerReferences hand the object's lifetime to another object.
 */
const SERVER_WRITTEN = ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"] as const;

const isEmpty = (v: unknown) => v === null || v === undefined || (isObj(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

/** Check one object's metadata (at `path`), removing what the server writes. */
const checkMeta = (meta: Obj, path: string, r: Report) => {
  for (const key of SERVER_WRITTEN) {
    if (!(key in meta)) continue;
    const value = meta[key];
    delete meta[key];
    if (!isEmpty(value)) r.changed(`${path}.${key}`, `${key} is written by the API server; the value in the manifest was removed`);
  }
  if (listAt(meta, "finalizers").length > 0) {
    r.bad(`${path}.finalizers`, "metadata/finalizers", "finalizers wait for a controller to remove them and would keep the job from being deleted; remove them");
  } else delete meta.finalizers;
  // Kueue's labels and annotations (queue, priority class, and the rest) are the platform's to
  // set: a job naming another queue or priority would jump its tenant's queue or quota.
  for (const field of ["labels", "annotations"] as const) {
    const map = objAt(meta, field);
    for (const key of Object.keys(map ?? {}).filter((k) => k.startsWith(KUEUE_PREFIX))) {
      r.bad(`${path}.${field}.${key}`, "metadata/kueue", `${key} is set by the platform (each job goes to its tenant's Kueue queue, docs/user-guide.md#queues-and-gpus); remove it`);
    }
  }
  if (listAt(meta, "ownerReferences").length > 0) {
    r.bad(`${path}.ownerReferences`, "metadata/owner-references", "ownerReferences hand this object's lifetime to another object; the job owns its objects, remove them");
  } else delete meta.ownerReferences;
};

/** Nested object metadata that reaches the cluster as objects of their own. */
const NESTED_META: Readonly<Record<string, string[][]>> = {
  Deployment: [["spec", "template"]],
  StatefulSet: [["spec", "template"], ["spec", "volumeClaimTemplates", "*"]],
  ReplicaSet: [["spec", "template"]],
  Job: [["spec", "template"]],
  CronJob: [["spec", "jobTemplate"], ["spec", "jobTemplate", "spec", "template"]],
};

const each = (o: unknown, path: string[], at: string, fn: (meta: Obj, at: string) => void) => {
  if (path.length === 0) {
    if (isObj(o) && isObj(o.metadata)) fn(o.metadata, `${at}.metadata`);
    return;
  }
  const [k, ...rest] = path;
  if (k === "*") {
    if (Array.isArray(o)) o.forEach((x, i) => each(x, rest, `${at}[${i}]`, fn));
    return;
  }
  if (isObj(o)) each(o[k!], rest, at ? `${at}.${k}` : k!, fn);
};

/** Metadata rules for an object and its templates; `status` is removed as well. */
export const checkMetadata = (obj: Obj, r: Report) => {
  const meta = objAt(obj, "metadata");
  if (meta) checkMeta(meta, "metadata", r);
  for (const path of NESTED_META[String(obj.kind)] ?? []) each(obj, path, "", (m, at) => checkMeta(m, at, r));
  if ("status" in obj) {
    const status = obj.status;
    delete obj.status;
    if (!isEmpty(status)) r.changed("status", "status is written by the cluster; the value in the manifest was removed");
  }
};
