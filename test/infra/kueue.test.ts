import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { namespaceObjects } from "../../apps/shared/isolation/namespace-objects";
import { DEFAULT_ISOLATION, GPU_RESOURCE, JOB_POOL_TAINT, POOL_LABEL, POOLS, TENANT_COHORT } from "../../apps/shared/contract";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { KUEUE_PORTS, PLATFORM_NAMESPACES } from "../../infra/platform-services/kueue-objects";
import { named, ofType, runStack, T, unwrapSecrets } from "./stack-suite";

/**
 * What Kueue's chart and manager do with what we give them, read at
 * kubernetes-sigs/kueue@v0.19.2 (the chart the program pins), transcribed here because the
 * source is not at hand in CI. Each value is a default the stack relies on without setting it.
 */
const KUEUE_CHART = {
  /** templates/webhook/service.yaml + values.yaml webhookService.ports[0].targetPort. */
  webhookTargetPort: 9443,
  /** templates/visibility/service.yaml targetPort, and apis/config/v1beta2/defaults.go DefaultVisibilityBindPort. */
  visibilityPort: 8082,
  /** templates/manager/manager.yaml: liveness and readiness probes on /healthz and /readyz. */
  probePort: 8081,
  /** values.yaml metricsService.ports[0].targetPort. */
  metricsPort: 8443,
};

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
/** A LabelSelector's meaning (k8s.io/apimachinery pkg/labels): every matchLabel and every expression must hold. */
const matches = (s: Selector, labels: Record<string, string>) =>
  Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (s.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    if (e.operator === "In") return has && e.values!.includes(labels[e.key]!);
    if (e.operator === "NotIn") return !has || !e.values!.includes(labels[e.key]!);
    if (e.operator === "Exists") return has;
    return !has;
  });

const inputs = (r: PlannedResource) => unwrapSecrets(r.inputs) as Record<string, any>;
const kueueObjects = (run: OfflineRun, kind: string) => run.resources.filter((r) => r.type === `kubernetes:kueue.x-k8s.io/v1beta2:${kind}`);

let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

describe("Kueue on the deployments cluster (dev stack)", () => {
  const release = () => named(run, "deployments-kueue-release");
  const managerConfig = () => parse(inputs(release()).values.managerConfig.controllerManagerConfigYaml) as Record<string, any>;

  it("When the stack is planned, then Kueue comes from its OCI chart at a pinned version, on the deployments cluster's system pool", () => {
    const i = inputs(release());
    expect(i.chart).toBe("oci://registry.k8s.io/kueue/charts/kueue");
    expect(i.version).toBe("0.19.2");
    expect(i.repositoryOpts).toBeUndefined();
    expect(i.namespace).toBe("kueue-system");
    expect(i.values.controllerManager.manager.image).toEqual({ repository: "registry.k8s.io/kueue/kueue", tag: "v0.19.2", pullPolicy: "IfNotPresent" });
    expect(i.values.controllerManager.nodeSelector).toEqual({ [POOL_LABEL]: POOLS.system });
    expect(release().provider).toContain("deployments-k8s");
  });

  it("When our manager configuration replaces the chart's, then it keeps every port the chart's Services and probes point at", () => {
    const c = managerConfig();
    expect(c.apiVersion).toBe("config.kueue.x-k8s.io/v1beta2");
    expect(c.webhook.port).toBe(KUEUE_CHART.webhookTargetPort);
    expect(c.health.healthProbeBindAddress).toBe(`:${KUEUE_CHART.probePort}`);
    expect(c.metrics.bindAddress).toBe(`:${KUEUE_CHART.metricsPort}`);
    // Left to its default, which is what the visibility Service targets.
    expect(c.visibilityServer).toBeUndefined();
    expect(KUEUE_PORTS.visibility).toBe(KUEUE_CHART.visibilityPort);
    expect(c.fairSharing.preemptionStrategies).toEqual(["LessThanOrEqualToFinalShare", "LessThanInitialShare"]);
    expect(c.integrations.frameworks).toEqual(expect.arrayContaining(["batch/job", "pod", "deployment"]));
  });

  it("When the private control plane calls Kueue's webhooks and visibility API on its pods, then the firewall opens both ports", () => {
    const rule = inputs(named(run, "deployments-fw-control-plane"));
    const ports = rule.allows.flatMap((a: { ports: string[] }) => a.ports);
    expect(ports).toContain(String(KUEUE_CHART.webhookTargetPort));
    expect(ports).toContain(String(KUEUE_CHART.visibilityPort));
  });

  it("When the pod integration is on, then its namespace selector matches job namespaces only, never kube-system or the platform's own", () => {
    const selector = managerConfig().managedJobsNamespaceSelector as Selector;
    const onDeployments = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.provider).includes("deployments-k8s")).map((r) => inputs(r).namespace as string);
    expect(onDeployments.length).toBeGreaterThan(1);
    for (const ns of new Set([...onDeployments, ...PLATFORM_NAMESPACES, "kube-system"])) {
      expect(matches(selector, { "kubernetes.io/metadata.name": ns }), ns).toBe(false);
      // Even if someone labelled a platform namespace like a job's.
      expect(matches(selector, { "kubernetes.io/metadata.name": ns, "app.kubernetes.io/managed-by": "management-app" }), ns).toBe(false);
    }
    const jobNs = namespaceObjects("0b6f1c4e-8d7a-4f7e-9a51-3c2d1e0f9a87", DEFAULT_ISOLATION, "research")[0]!;
    const labels = { ...(jobNs.metadata as { labels: Record<string, string> }).labels, "kubernetes.io/metadata.name": (jobNs.metadata as { name: string }).name };
    expect(matches(selector, labels)).toBe(true);
  });

  it("When the pools are planned, then each has one ResourceFlavor whose node labels and taints are the pool's own", () => {
    const flavors = kueueObjects(run, "ResourceFlavor").map((r) => inputs(r));
    expect(flavors.map((f) => f.metadata.name).sort()).toEqual([POOLS.cpu, POOLS.gpu, POOLS.system].sort());
    const pools = ofType(run, T.pool).filter((p) => p.name.startsWith("deployments-"));
    for (const f of flavors) {
      const pool = pools.find((p) => inputs(p).nodeConfig.labels?.[POOL_LABEL] === f.spec.nodeLabels[POOL_LABEL]);
      expect(pool, f.metadata.name).toBeDefined();
      const nc = inputs(pool!).nodeConfig;
      const taints = (nc.taints ?? []).map((t: { key: string; value: string; effect: string }) => `${t.key}=${t.value}:${t.effect}`);
      if (f.metadata.name === POOLS.cpu) {
        expect(taints).toEqual([`${JOB_POOL_TAINT.key}=${JOB_POOL_TAINT.value}:NO_SCHEDULE`]);
        expect(f.spec.nodeTaints).toEqual([JOB_POOL_TAINT]);
        expect(f.spec.tolerations).toEqual([{ ...JOB_POOL_TAINT, operator: "Equal" }]);
      }
      if (f.metadata.name === POOLS.gpu) {
        // GKE taints GPU nodes itself; the flavor says so, and adds no toleration (GPU jobs bring theirs).
        expect(nc.guestAccelerators).toEqual([{ type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" } }]);
        expect(f.spec.nodeTaints).toEqual([{ key: GPU_RESOURCE, value: "present", effect: "NoSchedule" }]);
        expect(f.spec.tolerations).toBeUndefined();
        expect(f.spec.nodeLabels["cloud.google.com/gke-accelerator"]).toBe("nvidia-l4");
      }
      if (f.metadata.name === POOLS.system) expect(taints).toEqual([]);
    }
  });

  it("When tenants are configured, then each gets a ClusterQueue in one cohort, its quota as nominal, GPUs with their host's CPU and memory", () => {
    const queues = kueueObjects(run, "ClusterQueue").map((r) => inputs(r));
    expect(queues.map((q) => q.metadata.name).sort()).toEqual(["tenant-default", "tenant-research"]);
    for (const q of queues) {
      expect(q.spec.cohortName).toBe(TENANT_COHORT);
      expect(q.spec.preemption).toEqual({ reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority" });
      expect(q.spec.resourceGroups[0].coveredResources).toEqual(["cpu", "memory", GPU_RESOURCE]);
    }
    const research = queues.find((q) => q.metadata.name === "tenant-research")!;
    expect(research.spec.namespaceSelector.matchLabels["platform.example.dev/tenant"]).toBe("research");
    expect(research.spec.resourceGroups[0].flavors).toEqual([
      { name: POOLS.cpu, resources: [{ name: "cpu", nominalQuota: "8" }, { name: "memory", nominalQuota: "32Gi" }, { name: GPU_RESOURCE, nominalQuota: "0" }] },
      // g2-standard-4: 4 vCPU and 16 GiB per L4.
      { name: POOLS.gpu, resources: [{ name: "cpu", nominalQuota: "4" }, { name: "memory", nominalQuota: "16Gi" }, { name: GPU_RESOURCE, nominalQuota: "1" }] },
    ]);
  });

  it("When Kueue's objects are created, then they wait for the release that installs their CRDs and webhooks", () => {
    const rel = release().urn;
    for (const r of [...kueueObjects(run, "ResourceFlavor"), ...kueueObjects(run, "ClusterQueue")]) expect(r.dependsOn, r.name).toContain(rel);
    const flavors = kueueObjects(run, "ResourceFlavor").map((r) => r.urn);
    for (const q of kueueObjects(run, "ClusterQueue")) expect(q.dependsOn).toEqual(expect.arrayContaining(flavors));
  });
});
