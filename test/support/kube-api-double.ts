import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { PodLogStore } from "./kube-pod-logs";
import { APPLIER_ACCESS, LOG_READER_ACCESS, applierRules } from "../../apps/shared/contract";
import { authorize, describeRule, NotFoundError, roleRefRules, rulesFor, uncovered, type Attributes, type RbacStore, type Rule } from "./kube-double/rbac";
import { apiVersionOf, byKind, RESOURCES, type ResourceInfo } from "./kube-double/resources";

/**
 * TEST DOUBLE of the Kubernetes API server: only the endpoints the Cluster Applier uses
 * (discovery, server-side apply with dryRun, merge patch, get, list, watch, delete, and
 * SelfSubjectReview), as strict as kube-apiserver where the applier's requests are concerned.
 * Each rule names where kube-apiserver does the same (kubernetes/kubernetes v1.36 unless a
 * staging repository tag is given):
 *
 * - Authentication by bearer token; RBAC authorization of every request (./kube-double/rbac.ts).
 *   The applier's identity holds exactly the stack's RBAC (apps/shared/contract/applier-access);
 *   the reader's (the read API's) only what the applier binds to it in job namespaces.
 *   Server-side apply that creates is authorized for `patch` and again for `create`
 *   (kubernetes/apiserver@v0.36.3 pkg/endpoints/handlers/patch.go).
 * - Role create/update: the caller must hold every permission it grants, or `escalate`
 *   (pkg/registry/rbac/role/policybased/storage.go); RoleBinding: `bind` on the role, or else the
 *   role must exist and be covered (pkg/registry/rbac/rolebinding/policybased/storage.go).
 * - Dry run persists nothing (kubernetes/apiserver@v0.36.3 pkg/registry/generic/registry/dryrun.go),
 *   so references inside a set do not resolve during a dry run.
 * - ServiceAccount admission: a Pod's service account must exist
 *   (plugin/pkg/admission/serviceaccount/admission.go); new namespaces get a `default` one
 *   (pkg/controller/serviceaccount/serviceaccounts_controller.go).
 * - Namespace lifecycle: nothing is created in a missing (404) or terminating (403) namespace
 *   (kubernetes/apiserver@v0.36.3 pkg/admission/plugin/namespace/lifecycle/admission.go).
 * - Apply: `metadata.managedFields` is refused (kubernetes/apimachinery@v0.36.3
 *   pkg/util/managedfields/internal/structuredmerge.go); `uid` and `resourceVersion` are
 *   preconditions (handlers/patch.go applyPatch, registry/generic/registry/store.go Update).
 * - Deletion: objects with finalizers stay (deletionTimestamp set) until their finalizers are gone
 *   (store.go updateForGracefulDeletionAndFinalizers, shouldDeleteDuringUpdate); a scheduled pod
 *   stays for its grace period (pkg/registry/core/pod/strategy.go CheckGracefulDelete), which a
 *   later DELETE may only shorten (kubernetes/apiserver pkg/registry/rest/delete.go BeforeDelete);
 *   a namespace goes when its content is gone (pkg/controller/namespace/deletion).
 * - Watches end after a while (the server's request timeout) and resume from a resourceVersion;
 *   a resourceVersion older than the double's history gets 410 Gone.
 *
 * Objects annotated `double.test/refuse: <reason>` are refused with 422, to stand in for anything
 * else the real server would refuse (quota, validation); `double.test/refuse-for-real: <reason>`
 * are refused with 403 only when not a dry run (a quota used up between dry run and apply);
 * `double.test/fail-transiently: <reason>` get 503 when not a dry run (a server that is
 * overloaded or restarting, which a client retries). Times of the cluster's controllers
 * (grace periods) run `secondMs` real milliseconds per second, so tests stay fast.
 */

type Obj = Record<string, any>;

export const DOUBLE_USERS = {
  applier: { token: "test-token", name: "applier@double.test", groups: ["system:authenticated"] },
  admin: { token: "admin-token", name: "admin@double.test", groups: ["system:masters", "system:authenticated"] },
  /** The read API (entrypoint, status worker): holds nothing but what a job namespace's log-reader binding gives. */
  reader: { token: "reader-token", name: "reader@double.test", groups: ["system:authenticated"] },
} as const;

export interface AuthzRecord {
  user: string;
  verb: string;
  apiGroup: string;
  resource: string;
  namespace: string;
  name?: string;
  allowed: boolean;
  /** The binding that allowed it (`ClusterRoleBinding/x`, `RoleBinding/x`). */
  via?: string;
}

export interface KubeApiDouble {
  url: string;
  kubeConfig(user?: keyof typeof DOUBLE_USERS): k8s.KubeConfig;
  /** The same kubeconfig as a file in `dir`, for a service that reads KUBECONFIG_PATH; returns its path. */
  writeKubeconfig(dir: string, user?: keyof typeof DOUBLE_USERS): Promise<string>;
  /** Every request as `METHOD path?query`. */
  requests: string[];
  /** Every authorization decision, in order. */
  authz: AuthzRecord[];
  /** Stored objects, by `plural/namespace/name` (namespace empty for cluster-scoped). */
  objects: Map<string, Obj>;
  get(plural: string, namespace: string, name: string): Obj | undefined;
  /** Create or replace an object as a controller would (e.g. a Pod with a status). */
  put(obj: Obj): void;
  /** Remove an object at once, as a controller would (the TTL controller deleting a finished Job). */
  drop(plural: string, namespace: string, name: string): void;
  /** How long a namespace stays Terminating at least after DELETE. */
  terminationMs: number;
  /**
   * Answer a DELETE of a namespace already Terminating with 409 Conflict, as older API servers
   * do (kubernetes pkg/registry/core/namespace/storage/storage.go REST.Delete: "The system is
   * ensuring all content is removed from this namespace"); newer ones return it as it is.
   */
  conflictOnTerminatingDelete: boolean;
  /** Real milliseconds per second of a grace period. */
  secondMs: number;
  /**
   * API groups the cluster does not serve (an add-on uninstalled with its CRDs): their discovery
   * and every path in them answer 404, as kube-apiserver does for a group nothing defines.
   */
  unservedGroups: Set<string>;
  /** After how long the double ends a watch (the server's request timeout). */
  watchTimeoutMs: number;
  /** How many events the double remembers for watches that resume (older: 410 Gone). */
  historyLimit: number;
  /** Delay before answering each write (PATCH/DELETE), to catch a client mid-work. */
  writeLatencyMs: number;
  /** What the job's containers "write" (GET .../pods/{name}/log; see kube-pod-logs.ts). */
  podLogs: PodLogStore;
  close(): Promise<void>;
}

const OPTIMISTIC_LOCK = "the object has been modified; please apply your changes to the latest version and try again";

const send = (res: ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const statusBody = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code, reason, message });
const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = "";
    req.on("data", (c: Buffer) => (s += c.toString("utf8")));
    req.on("end", () => resolve(s));
  });
/** `pods "x"` / `roles.rbac.authorization.k8s.io "x"`: how apierrors names an object. */
const qualified = (r: { group: string; plural: string }, name?: string) => `${r.group ? `${r.plural}.${r.group}` : r.plural}${name ? ` "${name}"` : ""}`;

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const matchesLabels = (obj: Obj, selector: string | null) => {
  if (!selector) return true;
  const labels: Record<string, string> = obj.metadata?.labels ?? {};
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return v === undefined ? k! in labels : labels[k!] === v;
  });
};

/** RFC 7386 JSON merge patch. */
const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Obj = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
};

/** Roles every cluster has (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go), reduced to what matters here. */
const bootstrapRbac = (): Obj[] => {
  const rbac = "rbac.authorization.k8s.io/v1";
  const clusterRole = (name: string, rules: Rule[]) => ({ apiVersion: rbac, kind: "ClusterRole", metadata: { name }, rules });
  const binding = (name: string, role: string, subject: Obj) => ({ apiVersion: rbac, kind: "ClusterRoleBinding", metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role }, subjects: [subject] });
  return [
    clusterRole("system:basic-user", [{ apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] }]),
    binding("system:basic-user", "system:basic-user", { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" }),
    clusterRole("view", [{ apiGroups: [""], resources: ["pods", "pods/log", "configmaps", "services", "events"], verbs: ["get", "list", "watch"] }]),
    clusterRole("edit", [{ apiGroups: [""], resources: ["pods", "pods/exec", "configmaps", "secrets", "services"], verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }]),
    // The stack's RBAC for the applier (infra/management-app/deployments-access.ts reads the same contract).
    clusterRole(APPLIER_ACCESS.clusterRole, applierRules("cluster")),
    clusterRole(APPLIER_ACCESS.jobClusterRole, applierRules("job-namespace")),
    binding(APPLIER_ACCESS.clusterRole, APPLIER_ACCESS.clusterRole, { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: DOUBLE_USERS.applier.name }),
    // The read API's log access: bound by the applier in each job namespace, never cluster-wide.
    clusterRole(LOG_READER_ACCESS.clusterRole, [...LOG_READER_ACCESS.rules]),
  ];
};

export const startKubeApiDouble = async (): Promise<KubeApiDouble> => {
  const objects = new Map<string, Obj>();
  const requests: string[] = [];
  const authz: AuthzRecord[] = [];
  const history: { rv: number; type: string; plural: string; obj: Obj }[] = [];
  const watchers = new Set<{ plural: string; namespace: string; selector: string | null; res: ServerResponse }>();
  const timers = new Set<NodeJS.Timeout>();
  let resourceVersion = 1;
  const key = (plural: string, namespace: string, name: string) => `${plural}/${namespace}/${name}`;
  /**
   * Kueue's visibility API, as far as the applier reads it: the Workloads not yet admitted nor
   * finished whose namespace's LocalQueue (spec.queueName) points at this ClusterQueue, in the
   * order they were stored (Kueue orders by priority, then creation; the double has no priorities).
   */
  const pendingWorkloads = (clusterQueue: string) => {
    const done = (w: Obj) => ((w.status as Obj | undefined)?.conditions as Obj[] | undefined)?.some((c) => (c.type === "Admitted" || c.type === "Finished") && c.status === "True");
    const items = [...objects.entries()]
      .filter(([k]) => k.startsWith("workloads/"))
      .map(([, w]) => w)
      .filter((w) => !done(w))
      .filter((w) => {
        const meta = w.metadata as { namespace: string };
        const lq = objects.get(key("localqueues", meta.namespace, String((w.spec as Obj | undefined)?.queueName ?? "")));
        return (lq?.spec as Obj | undefined)?.clusterQueue === clusterQueue;
      })
      .map((w, i) => ({ metadata: { name: (w.metadata as Obj).name, namespace: (w.metadata as Obj).namespace }, priority: 0, localQueueName: (w.spec as Obj).queueName, positionInClusterQueue: i, positionInLocalQueue: i }));
    return { apiVersion: "visibility.kueue.x-k8s.io/v1beta2", kind: "PendingWorkloadsSummary", metadata: {}, items };
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  const write = (w: { plural: string; namespace: string; selector: string | null; res: ServerResponse }, type: string, plural: string, obj: Obj) => {
    if (w.plural !== plural || (w.namespace && w.namespace !== obj.metadata?.namespace) || !matchesLabels(obj, w.selector)) return;
    w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
  };
  const emit = (type: "ADDED" | "MODIFIED" | "DELETED", plural: string, obj: Obj) => {
    history.push({ rv: Number(obj.metadata.resourceVersion), type, plural, obj });
    while (history.length > double.historyLimit) history.shift();
    for (const w of watchers) write(w, type, plural, obj);
  };
  const store = (plural: string, obj: Obj) => {
    const k = key(plural, obj.metadata.namespace ?? "", obj.metadata.name);
    const existed = objects.has(k);
    obj.metadata.resourceVersion = String(++resourceVersion);
    obj.metadata.uid ??= `uid-${resourceVersion}`;
    obj.metadata.creationTimestamp ??= new Date().toISOString();
    objects.set(k, obj);
    emit(existed ? "MODIFIED" : "ADDED", plural, obj);
  };
  const remove = (plural: string, namespace: string, name: string) => {
    const k = key(plural, namespace, name);
    const obj = objects.get(k);
    if (!obj) return;
    objects.delete(k);
    obj.metadata.resourceVersion = String(++resourceVersion);
    emit("DELETED", plural, obj);
  };
  const rbacStore: RbacStore = {
    list: (kind, namespace) => [...objects.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace)),
    find: (kind, namespace, name) => objects.get(key(kind === "Role" ? "roles" : "clusterroles", namespace, name)),
  };

  // --- deletion: finalizers, grace periods, the kubelet and the namespace controller ---
  const kubeletTimers = new Map<string, NodeJS.Timeout>();
  /** store.go shouldDeleteDuringUpdate: deleting, no finalizers left, no grace period left. */
  const settle = (plural: string, obj: Obj) => {
    const m = obj.metadata;
    if (m.deletionTimestamp && !(m.finalizers ?? []).length && !(m.deletionGracePeriodSeconds > 0)) remove(plural, m.namespace ?? "", m.name);
  };
  const deleteObject = (info: ResourceInfo, obj: Obj, gracePeriodSeconds?: number) => {
    const m = obj.metadata;
    let grace = 0;
    if (info.kind === "Pod") {
      // strategy.go: an unscheduled or finished pod goes at once; else the requested or its own grace period.
      const finished = ["Succeeded", "Failed"].includes(obj.status?.phase);
      grace = !obj.spec?.nodeName || finished ? 0 : (gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30);
      // delete.go BeforeDelete: a pending graceful deletion may only be shortened.
      if (m.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined && grace >= m.deletionGracePeriodSeconds) return;
    } else if (m.deletionTimestamp) return;
    if (grace === 0 && !(m.finalizers ?? []).length) return remove(info.plural, m.namespace ?? "", m.name);
    m.deletionTimestamp ??= new Date().toISOString();
    if (info.kind === "Pod") m.deletionGracePeriodSeconds = grace;
    store(info.plural, obj);
    if (info.kind === "Pod" && grace > 0) {
      const k = key("pods", m.namespace, m.name);
      clearTimeout(kubeletTimers.get(k));
      // The kubelet stops the containers at the latest when the grace period ends.
      kubeletTimers.set(
        k,
        later(grace * double.secondMs, () => {
          const pod = objects.get(k);
          if (!pod) return;
          pod.metadata.deletionGracePeriodSeconds = 0;
          if ((pod.metadata.finalizers ?? []).length) store("pods", pod);
          else remove("pods", m.namespace, m.name);
        }),
      );
    }
  };
  const sweepNamespace = (name: string) => {
    const content = [...objects.entries()].filter(([, o]) => o.metadata?.namespace === name);
    for (const [k, o] of content) deleteObject(RESOURCES.find((r) => r.plural === k.split("/")[0])!, o);
    if (![...objects.values()].some((o) => o.metadata?.namespace === name)) remove("namespaces", "", name);
    else later(20, () => sweepNamespace(name));
  };

  const double: KubeApiDouble = {
    url: "",
    requests,
    authz,
    objects,
    terminationMs: 200,
    conflictOnTerminatingDelete: false,
    secondMs: 10,
    unservedGroups: new Set(),
    watchTimeoutMs: 60_000,
    historyLimit: 2000,
    writeLatencyMs: 0,
    podLogs: new PodLogStore(),
    get: (plural, namespace, name) => objects.get(key(plural, namespace, name)),
    put: (obj) => {
      const info = byKind(obj.kind);
      if (!info) throw new Error(`double does not know ${obj.kind}`);
      store(info.plural, structuredClone(obj));
    },
    drop: (plural, namespace, name) => remove(plural, namespace, name),
    kubeConfig: (user = "applier") => {
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "double", server: double.url, skipTLSVerify: true }],
        users: [{ name: user, token: DOUBLE_USERS[user].token }],
        contexts: [{ name: "double", cluster: "double", user }],
        currentContext: "double",
      });
      return kc;
    },
    writeKubeconfig: async (dir, user) => {
      const file = path.join(dir, "kubeconfig");
      // exportConfig is JSON, which is YAML too.
      await writeFile(file, double.kubeConfig(user).exportConfig());
      return file;
    },
    close: () =>
      new Promise((r) => {
        for (const t of timers) clearTimeout(t);
        for (const w of watchers) w.res.end();
        double.podLogs.closeAll();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };

  for (const o of bootstrapRbac()) store(byKind(o.kind)!.plural, o);

  const discovery = (group: string, version: string) => ({
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
      name: r.plural,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    })),
  });

  // --- admission and storage-level checks for a create or update ---
  type User = (typeof DOUBLE_USERS)[keyof typeof DOUBLE_USERS];
  const can = (user: User, a: Omit<Attributes, "user">) => {
    const via = authorize(rbacStore, [...user.groups], { ...a, user: user.name });
    authz.push({ user: user.name, verb: a.verb, apiGroup: a.apiGroup, resource: a.subresource ? `${a.resource}/${a.subresource}` : a.resource, namespace: a.namespace, name: a.name, allowed: via !== undefined, via });
    return via !== undefined;
  };
  const forbidden = (user: User, a: Omit<Attributes, "user">, reason?: string) => {
    const where = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
    const msg = `User "${user.name}" cannot ${a.verb} resource "${a.subresource ? `${a.resource}/${a.subresource}` : a.resource}" in API group "${a.apiGroup}" ${where}${reason ? `: ${reason}` : ""}`;
    return new HttpError(403, "Forbidden", `${qualified({ group: a.apiGroup, plural: a.resource }, a.name)} is forbidden: ${msg}`);
  };
  const noEscalation = (user: User, info: ResourceInfo, name: string, ns: string, rules: Rule[]) => {
    const missing = uncovered(rulesFor(rbacStore, user.name, [...user.groups], ns), rules);
    if (missing.length === 0 || user.groups.includes("system:masters" as never)) return;
    const msg = `user "${user.name}" (groups=[${user.groups.map((g) => JSON.stringify(g)).join(" ")}]) is attempting to grant RBAC permissions not currently held:\n${missing.map(describeRule).join("\n")}`;
    throw new HttpError(403, "Forbidden", `${qualified(info, name)} is forbidden: ${msg}`);
  };
  const admit = (user: User, info: ResourceInfo, obj: Obj, old: Obj | undefined, ns: string, dryRun: boolean) => {
    const name = obj.metadata.name;
    const refuse = obj.metadata?.annotations?.["double.test/refuse"];
    if (refuse) throw new HttpError(422, "Invalid", `${info.kind} "${name}" is invalid: ${refuse}`);
    const flaky = obj.metadata?.annotations?.["double.test/fail-transiently"];
    if (flaky && !dryRun) throw new HttpError(503, "ServiceUnavailable", flaky);
    const race = obj.metadata?.annotations?.["double.test/refuse-for-real"];
    if (race && !dryRun) throw new HttpError(403, "Forbidden", `${qualified(info, name)} is forbidden: ${race}`);
    if (info.kind === "Role" && !can(user, { verb: "escalate", apiGroup: info.group, resource: "roles", namespace: ns, name })) {
      noEscalation(user, info, name, ns, obj.rules ?? []);
    }
    if (info.kind === "RoleBinding") {
      const onlyGc = old && JSON.stringify({ ...old, metadata: undefined }) === JSON.stringify({ ...obj, metadata: undefined });
      const ref = obj.roleRef ?? {};
      const bindAttrs = { verb: "bind", apiGroup: "rbac.authorization.k8s.io", resource: ref.kind === "ClusterRole" ? "clusterroles" : "roles", namespace: ns, name: ref.name };
      if (!onlyGc && !can(user, bindAttrs)) {
        let rules: Rule[];
        try {
          rules = roleRefRules(rbacStore, ref, ns);
        } catch (err) {
          if (err instanceof NotFoundError) throw new HttpError(404, "NotFound", err.message);
          throw err;
        }
        noEscalation(user, info, name, ns, rules);
      }
    }
    if (info.kind === "Pod" && !old) {
      const sa = obj.spec?.serviceAccountName ?? obj.spec?.serviceAccount ?? "default";
      if (!objects.has(key("serviceaccounts", ns, sa))) {
        throw new HttpError(403, "Forbidden", `pods "${name}" is forbidden: error looking up service account ${ns}/${sa}: serviceaccount "${sa}" not found`);
      }
    }
  };

  const apply = async (req: IncomingMessage, url: URL, user: User, info: ResourceInfo, ns: string, name: string) => {
    const type = req.headers["content-type"];
    const existing = objects.get(key(info.plural, ns, name));
    const dryRun = url.searchParams.get("dryRun") === "All";
    let body: Obj;
    try {
      body = parse(await readBody(req)) as Obj;
    } catch (err) {
      throw new HttpError(400, "BadRequest", `error decoding YAML: ${(err as Error).message}`);
    }
    let next: Obj;
    if (type === "application/merge-patch+json") {
      if (!existing) throw new HttpError(404, "NotFound", `${qualified(info, name)} not found`);
      next = mergePatch(structuredClone(existing), body) as Obj;
    } else if (type === "application/apply-patch+yaml") {
      if (!url.searchParams.get("fieldManager")) throw new HttpError(422, "Invalid", "fieldManager is required for apply requests");
      if (body?.metadata?.managedFields != null) throw new HttpError(400, "BadRequest", "metadata.managedFields must be nil");
      if (body.kind !== info.kind || body.metadata?.name !== name) throw new HttpError(400, "BadRequest", "the object in the body does not match the URL");
      if (info.namespaced && body.metadata?.namespace !== undefined && body.metadata.namespace !== ns) {
        throw new HttpError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
      }
      const uid = body.metadata?.uid;
      if (uid && !existing) throw new HttpError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(info, name)}: uid mismatch: the provided object specified uid ${uid}, and no existing object was found`);
      if (uid && existing && uid !== existing.metadata.uid) {
        throw new HttpError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(info, name)}: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`);
      }
      const rv = body.metadata?.resourceVersion;
      if (rv && existing && rv !== existing.metadata.resourceVersion) throw new HttpError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(info, name)}: ${OPTIMISTIC_LOCK}`);
      const manager = url.searchParams.get("fieldManager");
      next = {
        ...(existing ?? {}),
        ...body,
        metadata: { ...(existing?.metadata ?? {}), ...body.metadata, managedFields: [{ manager, operation: "Apply", apiVersion: apiVersionOf(info), time: new Date().toISOString() }] },
      };
      delete next.metadata.resourceVersion;
      if (existing) next.metadata.resourceVersion = existing.metadata.resourceVersion;
    } else {
      throw new HttpError(415, "UnsupportedMediaType", `the double supports server-side apply and merge patch, got ${type}`);
    }
    if (info.namespaced) next.metadata.namespace = ns;

    if (!existing) {
      // Creating through PATCH is authorized a second time, for `create` (handlers/patch.go).
      const a = { verb: "create", apiGroup: info.group, resource: info.plural, namespace: ns, name };
      if (!can(user, a)) throw forbidden(user, a);
      if (info.namespaced) {
        const nsObj = objects.get(key("namespaces", "", ns));
        if (!nsObj) throw new HttpError(404, "NotFound", `namespaces "${ns}" not found`);
        if (nsObj.status?.phase === "Terminating") {
          throw new HttpError(403, "Forbidden", `${qualified(info, name)} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);
        }
      }
      if (info.kind === "Namespace") next = { ...next, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } };
    } else if (info.kind === "Namespace" && existing.status?.phase === "Terminating") {
      throw new HttpError(409, "Conflict", `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace`);
    }
    admit(user, info, next, existing, ns, dryRun);
    if (dryRun) return next;
    store(info.plural, next);
    if (!existing && info.kind === "Namespace") {
      store("serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: name } });
    }
    settle(info.plural, next);
    return next;
  };

  const watch = (req: IncomingMessage, res: ServerResponse, info: ResourceInfo, ns: string, url: URL) => {
    const selector = url.searchParams.get("labelSelector");
    const from = Number(url.searchParams.get("resourceVersion") || 0);
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders(); // as the real server does: the watch is open before any event
    const w = { plural: info.plural, namespace: ns, selector, res };
    if (from > 0 && history.length > 0 && from < history[0]!.rv - 1) {
      res.end(`${JSON.stringify({ type: "ERROR", object: statusBody(410, "Expired", `too old resource version: ${from} (${history[0]!.rv - 1})`) })}\n`);
      return;
    }
    if (from > 0) for (const e of history) if (e.rv > from) write(w, e.type, e.plural, e.obj);
    if (from === 0) for (const o of objects.values()) if (o.kind === info.kind) write(w, "ADDED", info.plural, o);
    watchers.add(w);
    const timer = later(double.watchTimeoutMs, () => res.end());
    req.on("close", () => {
      watchers.delete(w);
      clearTimeout(timer);
      timers.delete(timer);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://double");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const user = Object.values(DOUBLE_USERS).find((u) => req.headers.authorization === `Bearer ${u.token}`);
    if (!user) throw new HttpError(401, "Unauthorized", "Unauthorized");
    if ((req.method === "PATCH" || req.method === "DELETE") && double.writeLatencyMs > 0) await new Promise((r) => setTimeout(r, double.writeLatencyMs));
    if (url.pathname === "/version") return send(res, 200, { major: "1", minor: "36", gitVersion: "v1.36.3-double" });
    if (url.pathname === "/api") return send(res, 200, { kind: "APIVersions", versions: ["v1"] });
    if (url.pathname === "/apis/authentication.k8s.io/v1/selfsubjectreviews" && req.method === "POST") {
      const a = { verb: "create", apiGroup: "authentication.k8s.io", resource: "selfsubjectreviews", namespace: "" };
      if (!can(user, a)) throw forbidden(user, a);
      return send(res, 201, { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview", metadata: {}, status: { userInfo: { username: user.name, groups: user.groups } } });
    }
    if (url.pathname === "/api/v1" || /^\/apis\/[^/]+\/[^/]+$/.test(url.pathname)) {
      const [group, version] = url.pathname === "/api/v1" ? ["", "v1"] : url.pathname.split("/").slice(2);
      if (double.unservedGroups.has(group!)) throw new HttpError(404, "NotFound", "the server could not find the requested resource");
      return send(res, 200, discovery(group!, version!));
    }

    // /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]  or  /apis/{g}/{v}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+)(?=\/))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) throw new HttpError(404, "NotFound", `the server could not find the requested resource (${url.pathname})`);
    const [, g = "", , ns = "", plural = "", name, subresource] = m;
    const info = double.unservedGroups.has(g) ? undefined : RESOURCES.find((r) => r.plural === plural && r.group === g);
    if (!info) throw new HttpError(404, "NotFound", `the server could not find the requested resource (${plural})`);

    const watching = req.method === "GET" && !name && url.searchParams.get("watch") === "true";
    const verb = ({ GET: name ? "get" : watching ? "watch" : "list", PATCH: "patch", DELETE: name ? "delete" : "deletecollection", POST: "create", PUT: "update" } as Record<string, string>)[req.method ?? ""] ?? "unknown";
    const attrs = { verb, apiGroup: info.group, resource: info.plural, subresource, namespace: ns, name };
    if (!can(user, attrs)) throw forbidden(user, attrs);
    // Subresources (pods/log, ...) go here, authorized above as `resource/subresource`.
    if (subresource === "log" && info.plural === "pods" && double.podLogs.handle(req, res, url, (n, pod) => objects.get(key("pods", n, pod)))) return;
    if (subresource === "pendingworkloads" && info.group === "visibility.kueue.x-k8s.io" && req.method === "GET") return send(res, 200, pendingWorkloads(name!));
    if (subresource) throw new HttpError(404, "NotFound", `the server could not find the requested resource (${plural}/${subresource})`);

    if (req.method === "GET" && !name) {
      if (watching) return watch(req, res, info, ns, url);
      const selector = url.searchParams.get("labelSelector");
      const items = [...objects.values()].filter((o) => o.kind === info.kind && (!ns || o.metadata.namespace === ns) && matchesLabels(o, selector));
      return send(res, 200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(resourceVersion) }, items });
    }
    if (!name) throw new HttpError(405, "MethodNotAllowed", `${req.method} on a collection is not supported by the double`);
    const existing = objects.get(key(plural, ns, name));
    if (req.method === "GET") {
      if (!existing) throw new HttpError(404, "NotFound", `${qualified(info, name)} not found`);
      return send(res, 200, existing);
    }
    if (req.method === "PATCH") return send(res, 200, await apply(req, url, user, info, ns, name));
    if (req.method === "DELETE") {
      if (!existing) throw new HttpError(404, "NotFound", `${qualified(info, name)} not found`);
      if (info.kind === "Namespace") {
        // A DELETE of a namespace already terminating returns it as it is (a rollback redelivered
        // to another applier deletes again): kubernetes/kubernetes@94341df3
        // pkg/registry/core/namespace/storage/storage.go REST.Delete.
        if (existing.status?.phase === "Terminating" && double.conflictOnTerminatingDelete) {
          throw new HttpError(409, "Conflict", `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`);
        }
        if (existing.status?.phase !== "Terminating") {
          existing.status = { phase: "Terminating" };
          existing.metadata.deletionTimestamp = new Date().toISOString();
          store("namespaces", existing);
          later(double.terminationMs, () => sweepNamespace(name));
        }
        return send(res, 200, existing);
      }
      const grace = url.searchParams.get("gracePeriodSeconds");
      deleteObject(info, existing, grace === null ? undefined : Number(grace));
      return send(res, 200, { kind: "Status", apiVersion: "v1", status: "Success", details: { name, kind: info.plural } });
    }
    throw new HttpError(405, "MethodNotAllowed", `${req.method} is not supported by the double`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return send(res, err.code, statusBody(err.code, err.reason, err.message));
      send(res, 500, statusBody(500, "InternalError", String((err as Error)?.stack ?? err)));
    });
  });

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return double;
};
