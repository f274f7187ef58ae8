import { readFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withQueueLabel } from "../../apps/cluster-applier/queueing/queue-label";
import { KubernetesTarget } from "../../apps/cluster-applier/targets/kubernetes-target";
import { admit } from "../../apps/shared/admission/admit";
import { DEFAULT_ISOLATION, LOCAL_QUEUE_NAME, QUEUE_NAME_LABEL, TENANT_LABEL, namespaceFor } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { schemaErrors } from "../support/k8s-schema";
import { startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";

const parse = (text: string) => parseYamlFiles([{ name: "job.yaml", text }], { maxDocuments: 50, maxDepth: 32, maxAliases: 0 }).documents;
const piJob = readFileSync(path.join(__dirname, "../fixtures/manifests/pi-job.yaml"), "utf8");

describe("Kueue queue labels", () => {
  it("When a job's workloads are applied, then each kind carries the queue label where Kueue reads it", () => {
    const label = { [QUEUE_NAME_LABEL]: LOCAL_QUEUE_NAME };
    const job = withQueueLabel({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "a", labels: { x: "y" } } });
    expect((job.metadata as any).labels).toEqual({ x: "y", ...label });
    const cron = withQueueLabel({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { jobTemplate: { spec: {} } } });
    expect((cron.spec as any).jobTemplate.metadata.labels).toEqual(label);
    expect((cron.metadata as any).labels).toBeUndefined();
    const rs = withQueueLabel({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "r" }, spec: { template: { metadata: { labels: { app: "r" } } } } });
    expect((rs.spec as any).template.metadata.labels).toEqual({ app: "r", ...label });
    for (const kind of ["Deployment", "StatefulSet", "Pod"]) expect(((withQueueLabel({ kind, metadata: {} }).metadata as any).labels)).toEqual(label);
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    expect(withQueueLabel(cm)).toBe(cm);
  });

  it("When a job sets Kueue's labels or annotations itself, then admission refuses each, naming it", () => {
    const text = piJob
      .replace("  name: pi\n", `  name: pi\n  labels:\n    ${QUEUE_NAME_LABEL}: other-tenant\n  annotations:\n    kueue.x-k8s.io/priority-class: high\n`)
      .replace("  template:\n", "  template:\n    metadata:\n      labels:\n        kueue.x-k8s.io/pod-group-name: g\n");
    const v = admit("0b6f1c4e-8d7a-4f7e-9a51-3c2d1e0f9a87", parse(text));
    expect(v.ok).toBe(false);
    const found = v.ok ? [] : v.problems.filter((p) => p.rule === "metadata/kueue").map((p) => p.path);
    expect(found.sort()).toEqual(["metadata.annotations.kueue.x-k8s.io/priority-class", `metadata.labels.${QUEUE_NAME_LABEL}`, "spec.template.metadata.labels.kueue.x-k8s.io/pod-group-name"].sort());
    expect(v.ok ? "" : v.problems.find((p) => p.rule === "metadata/kueue")!.message).toMatch(/set by the platform.*remove it/);
  });
});

describe("The applier's queue objects against the API-server double", () => {
  let api: KubeApiDouble;
  let target: KubernetesTarget;
  beforeAll(async () => {
    api = await startKubeApiDouble();
    target = new KubernetesTarget(api.kubeConfig(), { isolation: DEFAULT_ISOLATION, deleteTimeoutMs: 5000, deletePollMs: 20, logger: pino({ level: "silent" }) });
  });
  afterAll(async () => {
    await api.close();
  });

  it("When a tenant's Job is applied, then its namespace has a LocalQueue to the tenant's ClusterQueue and the Job carries its queue label", async () => {
    const jobId = "7a0c2b55-1f3e-4d2a-9b6c-0e8f7d6c5b4a";
    const v = admit(jobId, parse(piJob), undefined, "research");
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    await target.apply(jobId, v.manifests.map(withQueueLabel), "research");
    const ns = namespaceFor(jobId);
    const lq = api.get("localqueues", ns, LOCAL_QUEUE_NAME)!;
    expect(lq.spec).toEqual({ clusterQueue: "tenant-research" });
    expect(schemaErrors({ apiVersion: lq.apiVersion, kind: lq.kind, metadata: { name: lq.metadata.name, namespace: ns }, spec: lq.spec })).toEqual([]);
    expect(api.get("namespaces", "", ns)!.metadata.labels[TENANT_LABEL]).toBe("research");
    expect(api.get("jobs", ns, "pi")!.metadata.labels[QUEUE_NAME_LABEL]).toBe(LOCAL_QUEUE_NAME);
  });
});
