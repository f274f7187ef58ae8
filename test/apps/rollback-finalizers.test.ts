import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearUserFinalizers } from "../../apps/cluster-applier/isolation/clear-finalizers";

/**
 * TEST DOUBLE of the Kubernetes API server, for the finalizer clearing only: discovery of two
 * groups, namespaced lists, and JSON merge patches (RFC 7386: a list is replaced whole), as
 * kube-apiserver answers them. Kinds it does not serve are absent from discovery, as on a
 * cluster without them.
 */
type Obj = Record<string, any>;
const objects = new Map<string, Obj>();
const patches: string[] = [];
let server: Server;
let kc: k8s.KubeConfig;

const RES = [
  { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap" },
  { group: "", version: "v1", plural: "pods", kind: "Pod" },
  { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease" },
];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://double");
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const gv = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(url.pathname);
    if (gv) {
      const [group, version] = gv[1] ? ["", "v1"] : [gv[2]!, gv[3]!];
      const resources = RES.filter((r) => r.group === group && r.version === version).map((r) => ({ name: r.plural, namespaced: true, kind: r.kind, verbs: ["list", "patch"] }));
      return resources.length ? send(200, { kind: "APIResourceList", groupVersion: group ? `${group}/${version}` : "v1", resources }) : send(404, { kind: "Status", code: 404 });
    }
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const info = m && RES.find((r) => r.plural === m[3] && r.group === (m[1] ?? ""));
    if (!m || !info) return send(404, { kind: "Status", code: 404, message: "not found" });
    const [, , ns, , name] = m;
    if (req.method === "GET" && !name) return send(200, { kind: `${info.kind}List`, items: [...objects.values()].filter((o) => o.kind === info.kind && o.metadata.namespace === ns) });
    if (req.method === "PATCH" && name) {
      if (req.headers["content-type"] !== "application/merge-patch+json") return send(415, { kind: "Status", code: 415 });
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const key = `${info.kind}/${ns}/${name}`;
        const existing = objects.get(key);
        if (!existing) return send(404, { kind: "Status", code: 404 });
        const patch = JSON.parse(body) as Obj;
        patches.push(`${info.kind}/${name} ${JSON.stringify(patch.metadata.finalizers)}`);
        existing.metadata = { ...existing.metadata, ...patch.metadata };
        send(200, existing);
      });
      return;
    }
    return send(405, { kind: "Status", code: 405 });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "d", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "d", cluster: "d", user: "u" }],
    currentContext: "d",
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const put = (kind: string, apiVersion: string, name: string, finalizers: string[], namespace = "job-1") => objects.set(`${kind}/${namespace}/${name}`, { apiVersion, kind, metadata: { name, namespace, finalizers } });

describe("rollback never waits on a user's finalizer", () => {
  it("When the job's objects carry user finalizers, then the rollback clears those and keeps Kubernetes' own", async () => {
    put("ConfigMap", "v1", "sticky", ["example.com/never-removed"]);
    put("Lease", "coordination.k8s.io/v1", "leader", ["acme.io/hold", "kubernetes.io/pvc-protection"]);
    put("Pod", "v1", "worker", ["batch.kubernetes.io/job-tracking"]);
    put("ConfigMap", "v1", "elsewhere", ["example.com/never-removed"], "team-a");

    const cleared = await clearUserFinalizers(k8s.KubernetesObjectApi.makeApiClient(kc), "job-1", "management-app");

    expect(cleared.sort()).toEqual(["ConfigMap/sticky", "Lease/leader"]);
    expect(objects.get("ConfigMap/job-1/sticky")!.metadata.finalizers).toEqual([]);
    expect(objects.get("Lease/job-1/leader")!.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    expect(objects.get("Pod/job-1/worker")!.metadata.finalizers).toEqual(["batch.kubernetes.io/job-tracking"]);
    expect(objects.get("ConfigMap/team-a/elsewhere")!.metadata.finalizers).toEqual(["example.com/never-removed"]);
    expect(patches.sort()).toEqual(['ConfigMap/sticky []', 'Lease/leader ["kubernetes.io/pvc-protection"]']);
  });
});
