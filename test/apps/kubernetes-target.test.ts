import { readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_ID_LABEL } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { ApplyRefusedError } from "../../apps/cluster-applier/targets/cluster-target";
import { KubernetesTarget } from "../../apps/cluster-applier/targets/kubernetes-target";
import { admit } from "../../apps/yaml-manager/admission/admit";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";

const isolation = {
  quota: { cpu: "8", memory: "32Gi", pods: 50, storage: "100Gi", objects: 50 },
  container: { defaultCpu: "500m", defaultMemory: "512Mi", maxCpu: "4", maxMemory: "16Gi" },
  egress: [{ cidr: "10.16.0.0/16", port: 9200 }],
};
let api: KubeApiDouble;
let target: KubernetesTarget;

beforeAll(async () => {
  api = await startKubeApiDouble();
  target = new KubernetesTarget(api.kubeConfig(), { isolation, deleteTimeoutMs: 5000, deletePollMs: 20, logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await api.close();
});

/** Admitted manifests, as the YAML Manager would hand them over. */
const admitted = (jobId: string, file: string, edit?: (text: string) => string) => {
  const text = readFileSync(path.join(__dirname, "../fixtures/manifests", file), "utf8");
  const parsed = parseYamlFiles([{ name: file, text: edit ? edit(text) : text }], { maxDocuments: 50, maxDepth: 32, maxAliases: 0 });
  const v = admit(jobId, parsed.documents);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.manifests;
};

describe("Kubernetes target against the API-server double", () => {
  it("When a job is applied, then its namespace is fenced (restricted PSA, quota, limits, default-deny) and its objects applied by server-side apply", async () => {
    const jobId = "11111111-2222-4333-8444-555555555555";
    const ns = `job-${jobId}`;
    const refs = await target.apply(jobId, admitted(jobId, "web-deployment-and-service.yaml"));
    expect(refs.map((r) => `${r.kind}/${r.name}`)).toEqual(["ConfigMap/web-config", "Service/web", "Deployment/web"]);

    const namespace = api.get("namespaces", "", ns)!;
    expect(namespace.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted", [JOB_ID_LABEL]: jobId });
    expect(api.get("resourcequotas", ns, "job-quota")!.spec.hard).toMatchObject({ "requests.cpu": "8", pods: "50", "services.loadbalancers": "0" });
    expect(api.get("limitranges", ns, "job-limits")!.spec.limits[0].default).toEqual({ cpu: "500m", memory: "512Mi" });
    expect(api.get("networkpolicies", ns, "default-deny")!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(api.get("networkpolicies", ns, "allow-platform")!.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "10.16.0.0/16" } }], ports: [{ protocol: "TCP", port: 9200 }] }]);
    expect(api.get("deployments", ns, "web")!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);

    // Every object: first a dry run, then the real apply, both as our field manager.
    const patches = api.requests.filter((r) => r.startsWith("PATCH") && r.includes(ns) && !r.includes("/namespaces/" + ns + "?"));
    const deployment = patches.filter((r) => r.includes("/deployments/web"));
    expect(deployment).toHaveLength(2);
    expect(deployment[0]).toContain("dryRun=All");
    expect(deployment[1]).not.toContain("dryRun");
    expect(deployment.every((r) => r.includes("fieldManager=management-app") && r.includes("force=true"))).toBe(true);
    const lastDryRun = api.requests.findLastIndex((r) => r.includes(ns) && r.includes("dryRun=All"));
    const firstReal = api.requests.findIndex((r) => r.startsWith("PATCH") && r.includes(`/namespaces/${ns}/`) && !r.includes("dryRun"));
    expect(lastDryRun).toBeLessThan(firstReal);
  });

  it("When the server refuses one object in the dry run, then nothing of the job is applied and the refusal is reported", async () => {
    const jobId = "21111111-2222-4333-8444-555555555555";
    const ns = `job-${jobId}`;
    const manifests = admitted(jobId, "web-deployment-and-service.yaml", (t) =>
      t.replace("kind: Service\nmetadata:\n  name: web", "kind: Service\nmetadata:\n  name: web\n  annotations:\n    double.test/refuse: exceeded quota services=0"),
    );
    const err = await target.apply(jobId, manifests).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyRefusedError);
    expect((err as Error).message).toMatch(/refused 1 object\(s\), nothing was applied: Service\/web: .*exceeded quota services=0 \(HTTP 422\)/);
    expect(api.get("deployments", ns, "web")).toBeUndefined();
    expect(api.get("configmaps", ns, "web-config")).toBeUndefined();
    expect(api.get("namespaces", "", ns)?.status.phase ?? "gone").toMatch(/Terminating|gone/);
  });

  it("When a job is rolled back, then its namespace is deleted in the foreground and ROLLED_BACK waits until it is gone", async () => {
    const jobId = "31111111-2222-4333-8444-555555555555";
    const ns = `job-${jobId}`;
    await target.apply(jobId, admitted(jobId, "pi-job.yaml"));
    expect(api.get("jobs", ns, "pi")).toBeDefined();
    const started = Date.now();
    expect(await target.rollback(jobId)).toEqual([{ apiVersion: "v1", kind: "Namespace", name: ns }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(api.terminationMs - 20);
    expect(api.get("namespaces", "", ns)).toBeUndefined();
    expect(api.get("jobs", ns, "pi")).toBeUndefined();
    expect(api.requests.some((r) => r.startsWith(`DELETE /api/v1/namespaces/${ns}`) && r.includes("propagationPolicy=Foreground"))).toBe(true);
    expect(await target.rollback(jobId)).toEqual([]);
  });

  it("When the target is checked for readiness, then it asks the server's version", async () => {
    await expect(target.check()).resolves.toBeUndefined();
    expect(api.requests.at(-1)).toBe("GET /version");
  });
});
