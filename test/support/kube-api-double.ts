import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { PodLogStore } from "./kube-pod-logs";

/**
 * TEST DOUBLE of the Kubernetes API server: only the endpoints the Cluster Applier uses
 * (discovery, server-side apply with dryRun, get, list, watch, delete), behaving like the real
 * server where it matters: 404 for missing objects and namespaces, 403 while a namespace
 * terminates, 415 for a wrong patch type, 422 for an object it refuses, dry runs that write
 * nothing, and namespace deletion that takes time and removes what is inside.
 *
 * Objects annotated `double.test/refuse: <reason>` are refused with 422, to stand in for
 * anything the real server would refuse (quota, validation, admission).
 */

interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

const RESOURCES: ResourceInfo[] = [
  ["", "v1", "Namespace", "namespaces", false],
  ["", "v1", "Pod", "pods", true],
  ["", "v1", "Service", "services", true],
  ["", "v1", "ConfigMap", "configmaps", true],
  ["", "v1", "Secret", "secrets", true],
  ["", "v1", "ServiceAccount", "serviceaccounts", true],
  ["", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true],
  ["", "v1", "ResourceQuota", "resourcequotas", true],
  ["", "v1", "LimitRange", "limitranges", true],
  ["apps", "v1", "Deployment", "deployments", true],
  ["apps", "v1", "StatefulSet", "statefulsets", true],
  ["apps", "v1", "ReplicaSet", "replicasets", true],
  ["batch", "v1", "Job", "jobs", true],
  ["batch", "v1", "CronJob", "cronjobs", true],
  ["networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true],
  ["rbac.authorization.k8s.io", "v1", "Role", "roles", true],
  ["rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true],
  ["policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true],
  ["autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true],
].map(([group, version, kind, plural, namespaced]) => ({ group, version, kind, plural, namespaced }) as ResourceInfo);

type Obj = Record<string, any>;

export interface KubeApiDouble {
  url: string;
  kubeConfig(): k8s.KubeConfig;
  /** Every request as `METHOD path?query`. */
  requests: string[];
  /** Stored objects, by `plural/namespace/name` (namespace empty for cluster-scoped). */
  objects: Map<string, Obj>;
  get(plural: string, namespace: string, name: string): Obj | undefined;
  /** Create or replace an object as a controller would (e.g. a Pod with a status). */
  put(obj: Obj): void;
  /** How long a namespace stays Terminating after DELETE. */
  terminationMs: number;
  /** Delay before answering each write (PATCH/DELETE), to catch a client mid-work. */
  writeLatencyMs: number;
  /** What the job's containers "write" (GET .../pods/{name}/log; see kube-pod-logs.ts). */
  podLogs: PodLogStore;
  close(): Promise<void>;
}

const status = (res: ServerResponse, code: number, reason: string, message: string) => {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message }));
};
const json = (res: ServerResponse, body: unknown) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = "";
    req.on("data", (c: Buffer) => (s += c.toString("utf8")));
    req.on("end", () => resolve(s));
  });

const matchesLabels = (obj: Obj, selector: string | null) => {
  if (!selector) return true;
  const labels: Record<string, string> = obj.metadata?.labels ?? {};
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return v === undefined ? k! in labels : labels[k!] === v;
  });
};

export const startKubeApiDouble = async (): Promise<KubeApiDouble> => {
  const objects = new Map<string, Obj>();
  const requests: string[] = [];
  const watchers = new Set<{ plural: string; namespace: string; selector: string | null; res: ServerResponse }>();
  let resourceVersion = 1;
  const key = (plural: string, namespace: string, name: string) => `${plural}/${namespace}/${name}`;

  const emit = (type: "ADDED" | "MODIFIED" | "DELETED", plural: string, obj: Obj) => {
    for (const w of watchers) {
      if (w.plural !== plural) continue;
      if (w.namespace && w.namespace !== obj.metadata?.namespace) continue;
      if (!matchesLabels(obj, w.selector)) continue;
      w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
    }
  };
  const store = (plural: string, obj: Obj) => {
    const k = key(plural, obj.metadata.namespace ?? "", obj.metadata.name);
    const existed = objects.has(k);
    obj.metadata.resourceVersion = String(++resourceVersion);
    obj.metadata.uid ??= `uid-${resourceVersion}`;
    objects.set(k, obj);
    emit(existed ? "MODIFIED" : "ADDED", plural, obj);
  };
  const remove = (plural: string, namespace: string, name: string) => {
    const k = key(plural, namespace, name);
    const obj = objects.get(k);
    if (!obj) return;
    objects.delete(k);
    emit("DELETED", plural, obj);
  };

  const double: KubeApiDouble = {
    url: "",
    requests,
    objects,
    terminationMs: 200,
    writeLatencyMs: 0,
    podLogs: new PodLogStore(),
    get: (plural, namespace, name) => objects.get(key(plural, namespace, name)),
    put: (obj) => {
      const info = RESOURCES.find((r) => r.kind === obj.kind);
      if (!info) throw new Error(`double does not know ${obj.kind}`);
      store(info.plural, structuredClone(obj));
    },
    kubeConfig: () => {
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "double", server: double.url, skipTLSVerify: true }],
        users: [{ name: "tester", token: "test-token" }],
        contexts: [{ name: "double", cluster: "double", user: "tester" }],
        currentContext: "double",
      });
      return kc;
    },
    close: () =>
      new Promise((r) => {
        for (const w of watchers) w.res.end();
        double.podLogs.closeAll();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };

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

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://double");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== "Bearer test-token") return status(res, 401, "Unauthorized", "Unauthorized");
    if ((req.method === "PATCH" || req.method === "DELETE") && double.writeLatencyMs > 0) await new Promise((r) => setTimeout(r, double.writeLatencyMs));
    if (url.pathname === "/version") return json(res, { major: "1", minor: "34", gitVersion: "v1.34.0-double" });
    if (url.pathname === "/api") return json(res, { kind: "APIVersions", versions: ["v1"] });
    if (url.pathname === "/api/v1" || /^\/apis\/[^/]+\/[^/]+$/.test(url.pathname)) {
      const [group, version] = url.pathname === "/api/v1" ? ["", "v1"] : url.pathname.split("/").slice(2);
      return json(res, discovery(group!, version!));
    }

    if (double.podLogs.handle(req, res, url, (ns, name) => objects.get(key("pods", ns, name)))) return;
    // /api/v1[/namespaces/{ns}]/{plural}[/{name}]  or  /apis/{g}/{v}[/namespaces/{ns}]/{plural}[/{name}]
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+)(?=\/))?\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return status(res, 404, "NotFound", `the server could not find the requested resource (${url.pathname})`);
    const [, g = "", , ns = "", plural = "", name] = m;
    const info = RESOURCES.find((r) => r.plural === plural && r.group === g);
    if (!info) return status(res, 404, "NotFound", `the server could not find the requested resource (${plural})`);
    const nsObj = ns ? objects.get(key("namespaces", "", ns)) : undefined;

    if (req.method === "GET" && !name) {
      const selector = url.searchParams.get("labelSelector");
      if (url.searchParams.get("watch") === "true") {
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        res.flushHeaders(); // as the real server does: the watch is open before any event
        const w = { plural, namespace: ns, selector, res };
        watchers.add(w);
        req.on("close", () => watchers.delete(w));
        for (const obj of objects.values()) {
          if (obj.kind === info.kind && (!ns || obj.metadata.namespace === ns) && matchesLabels(obj, selector)) res.write(`${JSON.stringify({ type: "ADDED", object: obj })}\n`);
        }
        return;
      }
      const items = [...objects.values()].filter((o) => o.kind === info.kind && (!ns || o.metadata.namespace === ns) && matchesLabels(o, selector));
      return json(res, { kind: `${info.kind}List`, apiVersion: info.group ? `${info.group}/${info.version}` : "v1", metadata: { resourceVersion: String(resourceVersion) }, items });
    }
    if (!name) return status(res, 405, "MethodNotAllowed", `${req.method} on a collection is not supported by the double`);
    const existing = objects.get(key(plural, ns, name));

    if (req.method === "GET") {
      return existing ? json(res, existing) : status(res, 404, "NotFound", `${plural} "${name}" not found`);
    }

    if (req.method === "PATCH") {
      if (req.headers["content-type"] !== "application/apply-patch+yaml") return status(res, 415, "UnsupportedMediaType", `the double only supports server-side apply, got ${req.headers["content-type"]}`);
      if (!url.searchParams.get("fieldManager")) return status(res, 422, "Invalid", "fieldManager is required for apply requests");
      const body = parse(await readBody(req)) as Obj;
      if (body.kind !== info.kind || body.metadata?.name !== name) return status(res, 400, "BadRequest", "the object in the body does not match the URL");
      if (info.namespaced && body.metadata?.namespace !== undefined && body.metadata.namespace !== ns) {
        return status(res, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
      }
      if (info.namespaced) {
        if (!nsObj) return status(res, 404, "NotFound", `namespaces "${ns}" not found`);
        if (nsObj.status?.phase === "Terminating") {
          return status(res, 403, "Forbidden", `${plural} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);
        }
      } else if (existing?.status?.phase === "Terminating") {
        return status(res, 409, "Conflict", `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace`);
      }
      const refuse = body.metadata?.annotations?.["double.test/refuse"];
      if (refuse) return status(res, 422, "Invalid", `${info.kind} "${name}" is invalid: ${refuse}`);
      const merged: Obj = {
        ...(existing ?? {}),
        ...body,
        metadata: { ...(existing?.metadata ?? {}), ...body.metadata, ...(info.namespaced ? { namespace: ns } : {}) },
        ...(info.kind === "Namespace" ? { status: { phase: "Active" } } : {}),
      };
      if (url.searchParams.get("dryRun") === "All") return json(res, merged);
      store(plural, merged);
      return json(res, merged);
    }

    if (req.method === "DELETE") {
      if (!existing) return status(res, 404, "NotFound", `${plural} "${name}" not found`);
      if (info.kind !== "Namespace") {
        remove(plural, ns, name);
        return json(res, { kind: "Status", status: "Success" });
      }
      if (existing.status?.phase !== "Terminating") {
        existing.status = { phase: "Terminating" };
        existing.metadata.deletionTimestamp = new Date().toISOString();
        store("namespaces", existing);
        setTimeout(() => {
          for (const [k, o] of [...objects]) {
            if (o.metadata?.namespace === name) remove(k.split("/")[0]!, name, o.metadata.name);
          }
          remove("namespaces", "", name);
        }, double.terminationMs);
      }
      return json(res, existing);
    }
    return status(res, 405, "MethodNotAllowed", `${req.method} is not supported by the double`);
  });

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return double;
};
