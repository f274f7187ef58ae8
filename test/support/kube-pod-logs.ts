import type { IncomingMessage, ServerResponse } from "node:http";

type Obj = Record<string, any>;

const status = (res: ServerResponse, code: number, reason: string, message: string) => {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message }));
};

/**
 * TEST DOUBLE of the API server's pod log endpoint, `GET /api/v1/namespaces/{ns}/pods/{name}/log`
 * (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#get-read-log-of-the-specified-pod),
 * for the kube-api-double: plain text; `container` required when the pod has several;
 * `tailLines` and `limitBytes`; `follow=true` keeps the response open and sends what the
 * container writes until it terminates. Errors as the real server words them: 400 for a
 * missing or unknown container name (kubernetes/kubernetes: pkg/registry/core/pod/strategy.go,
 * LogLocation), 400 "is waiting to start" for a container that has not started (the kubelet's
 * answer, relayed), 404 for a missing pod.
 */
export class PodLogStore {
  private readonly logs = new Map<string, string>();
  private readonly followers = new Map<string, Set<ServerResponse>>();
  private readonly terminated = new Set<string>();
  /** Log requests served, as `ns/pod/container?query`. */
  readonly requests: string[] = [];

  private key = (ns: string, pod: string, container: string) => `${ns}/${pod}/${container}`;

  /** The container writes `text` (followers get it at once). */
  write(ns: string, pod: string, container: string, text: string): void {
    const k = this.key(ns, pod, container);
    this.logs.set(k, (this.logs.get(k) ?? "") + text);
    for (const res of this.followers.get(k) ?? []) res.write(text);
  }

  /** The container stopped: follow streams end, as the kubelet ends them. */
  terminate(ns: string, pod: string, container: string): void {
    const k = this.key(ns, pod, container);
    this.terminated.add(k);
    for (const res of this.followers.get(k) ?? []) res.end();
    this.followers.delete(k);
  }

  closeAll(): void {
    for (const set of this.followers.values()) for (const res of set) res.end();
    this.followers.clear();
  }

  /** Serves the request when it is a pod log request; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, podOf: (ns: string, name: string) => Obj | undefined): boolean {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (!m) return false;
    if (req.method !== "GET") {
      status(res, 405, "MethodNotAllowed", `${req.method} is not supported on pods/log`);
      return true;
    }
    const [, ns = "", name = ""] = m;
    const pod = podOf(ns, name);
    if (!pod) {
      status(res, 404, "NotFound", `pods "${name}" not found`);
      return true;
    }
    const names = (list: Obj[] | undefined) => (list ?? []).map((c) => c.name as string);
    const containers = [...names(pod.spec?.initContainers), ...names(pod.spec?.containers)];
    let container = url.searchParams.get("container") ?? "";
    if (!container) {
      const main = names(pod.spec?.containers);
      if (main.length !== 1) {
        const init = names(pod.spec?.initContainers);
        status(res, 400, "BadRequest", `a container name must be specified for pod ${name}, choose one of: [${main.join(" ")}]${init.length ? ` or one of the init containers: [${init.join(" ")}]` : ""}`);
        return true;
      }
      container = main[0]!;
    }
    if (!containers.includes(container)) {
      status(res, 400, "BadRequest", `container ${container} is not valid for pod ${name}`);
      return true;
    }
    const k = this.key(ns, name, container);
    this.requests.push(`${k}${url.search}`);
    if (!this.logs.has(k) && pod.status?.phase === "Pending") {
      status(res, 400, "BadRequest", `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
      return true;
    }
    let text = this.logs.get(k) ?? "";
    const tail = Number(url.searchParams.get("tailLines") ?? 0);
    if (tail > 0) {
      const lines = text.split(/(?<=\n)/);
      text = lines.slice(-tail).join("");
    }
    const limit = Number(url.searchParams.get("limitBytes") ?? 0);
    if (limit > 0) text = text.slice(0, limit);
    res.writeHead(200, { "content-type": "text/plain" });
    res.write(text);
    if (url.searchParams.get("follow") !== "true" || this.terminated.has(k)) {
      res.end();
      return true;
    }
    const set = this.followers.get(k) ?? new Set<ServerResponse>();
    set.add(res);
    this.followers.set(k, set);
    req.on("close", () => set.delete(res));
    return true;
  }
}
