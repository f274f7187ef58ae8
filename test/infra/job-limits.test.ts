import { beforeAll, describe, expect, it, vi } from "vitest";
import { namespaceObjects } from "../../apps/shared/isolation/namespace-objects";
import { admit } from "../../apps/shared/admission/admit";
import { admissionPolicyOf } from "../../apps/shared/admission/policy-from-env";
import { quantity } from "../../apps/shared/admission/quantity";
import { parseEnv } from "../../apps/shared/config/parse-env";
import { newWebhookSecretKey } from "../../apps/shared/webhooks/secret-box";
import { FENCE_LIMIT_RANGE, FENCE_QUOTA, SERVICE_ENV, isolationFromEnv, type ServiceName } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { GPU_MACHINES } from "../../infra/config/tenants";
import { gkeAllocatable, machineShape } from "../../infra/cost/machine-types";
import { readStackConfig, runOffline, type OfflineRun } from "../../infra/plan/offline-run";
import { PRESETS, type JobPools } from "../../stacks/presets";
import { named, unwrapSecrets } from "./stack-suite";

/**
 * One job's quota and one container's maximum, as the real program gives them to the Cluster
 * Applier (which installs them) and to the YAML Manager and the entrypoint (which check jobs
 * against them), under Pulumi's mocks.
 */
const run = async (stack: string, override: Record<string, unknown> = {}): Promise<OfflineRun> => {
  vi.resetModules();
  const config = readStackConfig(stack);
  const values = { ...config.values, ...Object.fromEntries(Object.entries(override).map(([k, v]) => [`gcp-compute-platform:${k}`, JSON.stringify(v)])) };
  return runOffline({ ...config, values }, stack, () => import("../../infra/index"));
};

/** A service's raw settings as the program sets them (secret-sourced values replaced by stand-ins). */
const rawEnv = (r: OfflineRun, svc: ServiceName): Record<string, string | undefined> => {
  const env = (named(r, `app-${svc}-deployment`).inputs as any).spec.template.spec.containers[0].env as { name: string; value?: unknown; valueFrom?: unknown }[];
  const stand: Record<string, string> = { AMQP_URL: "amqp://u:p@10.0.0.1:5672", REDIS_URL: "redis://:p@10.0.0.2:6379", WEBHOOK_SECRET_KEY: newWebhookSecretKey() };
  return Object.fromEntries(env.map((e) => [e.name, e.valueFrom ? stand[e.name] : String(unwrapSecrets(e.value))]));
};
/** Each service's settings, parsed as it parses them at start. */
const applierIsolation = (r: OfflineRun) => isolationFromEnv(parseEnv(SERVICE_ENV["cluster-applier"], rawEnv(r, "cluster-applier")));
const yamlManagerPolicy = (r: OfflineRun) => admissionPolicyOf(parseEnv(SERVICE_ENV["yaml-manager"], rawEnv(r, "yaml-manager")));
const entrypointPolicy = (r: OfflineRun) => admissionPolicyOf(parseEnv(SERVICE_ENV.entrypoint, rawEnv(r, "entrypoint")));

const JOB = "5d0c2a8e-1b7f-4c3d-9e6a-7f8b9c0d1e2f";
/** A Job of `pods` pods at once, each asking for `cpu` and `memory`. */
const job = (pods: number, cpu: string, memory: string) =>
  parseYamlFiles(
    [
      {
        name: "job.yaml",
        text: `apiVersion: batch/v1
kind: Job
metadata: {name: crunch}
spec:
  parallelism: ${pods}
  completions: ${pods}
  template:
    spec:
      restartPolicy: Never
      securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: crunch
          image: busybox
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
          resources:
            requests: {cpu: "${cpu}", memory: ${memory}}
            limits: {cpu: "${cpu}", memory: ${memory}}
`,
      },
    ],
    { maxDocuments: 10, maxDepth: 32, maxAliases: 0 },
  ).documents;

/** The largest GKE allocatable of the pools' machines, CPU and memory (GiB) each. */
const largestAllocatable = (pools: JobPools) => {
  const shapes = [machineShape(pools.cpu.machineType), ...(pools.gpu ? [GPU_MACHINES[pools.gpu.machineType]!] : [])].map(gkeAllocatable);
  return { cpu: Math.max(...shapes.map((s) => s.vcpus)), memoryGiB: Math.max(...shapes.map((s) => s.memoryGiB)) };
};

describe("job sizes from the stack config (offline runs of the real program)", () => {
  let big: OfflineRun;
  let prod: OfflineRun;
  let dev: OfflineRun;
  beforeAll(async () => {
    big = await run("dev", { tenants: { default: { cpu: "32", memory: "128Gi" } }, jobLimits: { memory: "96Gi" } });
    prod = await run("prod");
    dev = await run("dev");
  }, 180_000);

  it("When a tenant has 32 CPUs, then the env the applier and the YAML Manager get lets a 16-CPU job through, and the quota the applier installs admits it", () => {
    const applier = applierIsolation(big);
    const yamlManager = yamlManagerPolicy(big);
    // One source: the YAML Manager and the entrypoint's dry run check what the applier installs.
    expect(yamlManager.isolation).toEqual(applier);
    expect(entrypointPolicy(big).isolation).toEqual(applier);

    const verdict = admit(JOB, job(8, "2", "4Gi"), yamlManager, "default");
    if (!verdict.ok) throw new Error(JSON.stringify(verdict.problems));
    const fence = namespaceObjects(JOB, applier, "default") as any[];
    const hard = fence.find((o) => o.kind === "ResourceQuota" && o.metadata.name === FENCE_QUOTA).spec.hard;
    for (const k of ["requests.cpu", "limits.cpu"]) expect(quantity(hard[k]), k).toBeGreaterThanOrEqual(16);
    for (const k of ["requests.memory", "limits.memory"]) expect(quantity(hard[k]), k).toBeGreaterThanOrEqual(32 * 2 ** 30);
    // The tenant's own quota (Kueue's ClusterQueue has the same figure), or the stack's lower cap.
    expect(hard["requests.cpu"]).toBe("32");
    expect(hard["requests.memory"]).toBe("96Gi");
  });

  it("When prod is planned, then one container may ask for more than the old 4 CPUs, never more than the largest job-pool node's allocatable", () => {
    const iso = applierIsolation(prod);
    const node = largestAllocatable(PRESETS.prod.jobPools);
    expect(quantity(iso.container.maxCpu)).toBeGreaterThan(4);
    expect(quantity(iso.container.maxCpu)).toBeLessThanOrEqual(node.cpu);
    expect(quantity(iso.container.maxMemory)! / 2 ** 30).toBeLessThanOrEqual(node.memoryGiB);
    const limits = (namespaceObjects(JOB, iso) as any[]).find((o) => o.kind === "LimitRange" && o.metadata.name === FENCE_LIMIT_RANGE).spec.limits[0];
    expect(limits.max).toMatchObject({ cpu: iso.container.maxCpu, memory: iso.container.maxMemory });
    // The figures docs/operator-guide.md gives; prod's default tenant (16 CPU, 64Gi) sets the job's quota.
    expect(iso.container).toMatchObject({ maxCpu: "7610m", maxMemory: "28664Mi" });
    expect(iso.quota).toMatchObject({ cpu: "16", memory: "64Gi" });
  });

  it("When dev's largest job node (e2-standard-4) has less than 4 CPUs allocatable, then a 4-CPU container is refused at submit, naming JOB_MAX_CPU", () => {
    const node = largestAllocatable(PRESETS.dev.jobPools);
    expect(node.cpu).toBeLessThan(4);
    const policy = yamlManagerPolicy(dev);
    expect(quantity(policy.isolation.container.maxCpu)).toBeLessThanOrEqual(node.cpu);
    expect(policy.isolation.container).toMatchObject({ maxCpu: "3620m", maxMemory: "13263Mi" });
    expect(policy.isolation.quota).toMatchObject({ cpu: "20", memory: "80Gi" });
    const v = admit(JOB, job(1, "4", "4Gi"), policy, "default");
    expect(v.ok ? [] : v.problems).toEqual(expect.arrayContaining([expect.objectContaining({ rule: "limits/container-max", message: expect.stringMatching(/above the per-container maximum \d+m \(JOB_MAX_CPU\)/) })]));
    expect(admit(JOB, job(1, policy.isolation.container.maxCpu, "4Gi"), policy, "default").ok).toBe(true);
  });
});
