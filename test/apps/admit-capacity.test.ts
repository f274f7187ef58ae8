import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, admit, type AdmissionPolicy } from "../../apps/shared/admission/admit";
import { admissionPolicyOf } from "../../apps/shared/admission/policy-from-env";
import { parseEnv } from "../../apps/shared/config/parse-env";
import { GKE_ACCELERATOR_LABEL, GPU_RESOURCE, SERVICE_ENV } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { queueCapacity } from "../../infra/platform-services/kueue-objects";
import { jobSizes } from "../../infra/config/job-limits";
import { jobLimitsEnv } from "../../infra/management-app/app-config";
import { tenantsOrDefault } from "../../infra/config/tenants";
import { PRESETS } from "../../stacks/presets";

// The dev stack's capacity, as infra/ computes it for QUEUE_CAPACITY: tenants default (16 CPU,
// 64Gi, 1 GPU) and research (8 CPU, 32Gi, 1 GPU); one L4 per g2-standard-4 node.
const tenants = tenantsOrDefault({ default: { cpu: "16", memory: "64Gi", gpus: 1, weight: 1 }, research: { cpu: "8", memory: "32Gi", gpus: 1, weight: 1 } });
const withGpu: AdmissionPolicy = { ...DEFAULT_POLICY, capacity: queueCapacity(tenants, PRESETS.dev.jobPools) };
const cpuOnly: AdmissionPolicy = { ...DEFAULT_POLICY, capacity: queueCapacity(tenantsOrDefault(undefined), { cpu: PRESETS.dev.jobPools.cpu }) };
const JOB = "0b6f1c4e-8d7a-4f7e-9a51-3c2d1e0f9a87";

const gpuJob = (o: { gpus?: number; parallelism?: number; nodeSelector?: string; affinity?: string } = {}) => `apiVersion: batch/v1
kind: Job
metadata:
  name: train
spec:
  parallelism: ${o.parallelism ?? 1}
  template:
    spec:
      restartPolicy: Never
${o.nodeSelector ? `      nodeSelector:\n        ${o.nodeSelector}\n` : ""}${o.affinity ?? ""}      containers:
        - name: train
          image: nvcr.io/nvidia/pytorch:24.01-py3
          resources:
            requests: { cpu: "2", memory: 8Gi }
            limits: { cpu: "2", memory: 8Gi, ${GPU_RESOURCE}: ${o.gpus ?? 1} }
`;
const run = (text: string, policy: AdmissionPolicy, tenant = "research") => admit(JOB, parseYamlFiles([{ name: "job.yaml", text }], { maxDocuments: 10, maxDepth: 32, maxAliases: 0 }).documents, policy, tenant);
const problems = (v: ReturnType<typeof run>) => (v.ok ? [] : v.problems.filter((p) => p.rule?.startsWith("capacity/")));

describe("admission against the stack's Kueue capacity", () => {
  it("When a job asks for a GPU the stack has, then it is admitted with GKE's GPU toleration and the accelerator selected, each reported", () => {
    const v = run(gpuJob(), withGpu);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const spec = (v.manifests[0] as any).spec.template.spec;
    expect(spec.nodeSelector).toEqual({ [GKE_ACCELERATOR_LABEL]: "nvidia-l4" });
    expect(spec.tolerations).toEqual([{ key: GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" }]);
    expect(v.warnings.map((w) => w.path)).toEqual(expect.arrayContaining([`spec.template.spec.nodeSelector.${GKE_ACCELERATOR_LABEL}`, "spec.template.spec.tolerations"]));
    // A CPU job gets neither.
    const cpu = run(gpuJob().replace(`, ${GPU_RESOURCE}: 1`, ""), withGpu);
    expect(cpu.ok && (cpu.manifests[0] as any).spec.template.spec.tolerations).toBeUndefined();
  });

  it("When a job asks for GPUs and the stack has no GPU pool, then it is refused saying only CPU and memory are offered", () => {
    const [p] = problems(run(gpuJob(), cpuOnly));
    expect(p).toMatchObject({ rule: "capacity/no-gpu", path: "spec.template.spec.containers" });
    expect(p!.message).toMatch(/this stack has no GPU pool \(CPU and memory only\)/);
  });

  it("When a job names a GPU model the stack does not offer, then it is refused naming the one it does", () => {
    const [p] = problems(run(gpuJob({ nodeSelector: `${GKE_ACCELERATOR_LABEL}: nvidia-h100-80gb` }), withGpu));
    expect(p).toMatchObject({ rule: "capacity/gpu-model", message: "GPU nvidia-h100-80gb is not offered here; this stack offers nvidia-l4" });
    expect(run(gpuJob({ nodeSelector: `${GKE_ACCELERATOR_LABEL}: nvidia-l4` }), withGpu).ok).toBe(true);
  });

  it("When a workload needs more GPUs than the whole cohort could ever lend, or more than a node has, then it is refused with the quota and the cohort's total", () => {
    const [p] = problems(run(gpuJob({ parallelism: 3 }), withGpu));
    expect(p!.message).toBe("the workload requests 3 GPUs at once (3 pod(s)), more than can ever be admitted: your quota is 1 and the whole cohort, all tenants' quotas lent to you, 2");
    expect(problems(run(gpuJob({ gpus: 2 }), withGpu)).map((x) => x.rule)).toContain("capacity/gpus-per-pod");
    // Two GPUs in two pods fit: one tenant may borrow the other's idle GPU.
    expect(run(gpuJob({ parallelism: 2 }), withGpu).ok).toBe(true);
  });

  it("When the user pins nodes by affinity, then the placement check still refuses it, before any platform addition", () => {
    const affinity = "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n              - matchExpressions: [{ key: cloud.google.com/gke-nodepool, operator: In, values: [gpu] }]\n";
    const v = run(gpuJob({ affinity }), withGpu);
    expect(v.ok).toBe(false);
    expect(v.ok ? [] : v.problems.map((x) => x.rule)).toContain("placement/node-affinity");
  });

  it("When QUEUE_CAPACITY is not valid, then the service refuses to start saying so; unset, nothing is checked", () => {
    expect(() => parseEnv(SERVICE_ENV["yaml-manager"], { QUEUE_CAPACITY: "{not json" })).toThrow(/QUEUE_CAPACITY.*not a queue capacity/);
    expect(admissionPolicyOf(parseEnv(SERVICE_ENV["yaml-manager"], {})).capacity).toBeUndefined();
    const set = admissionPolicyOf(parseEnv(SERVICE_ENV["yaml-manager"], { QUEUE_CAPACITY: JSON.stringify(withGpu.capacity) }));
    expect(set.capacity).toEqual(withGpu.capacity);
  });

  it("When a job fits its tenant's capacity, then it passes; above it, it is refused naming the per-job quota and what to change", () => {
    // The YAML Manager's settings as infra/ sets them, for tenants of 32 and 16 CPUs on prod's pools:
    // one job may use up to the largest tenant's quota (32), though the cohort could lend 48.
    const pools = PRESETS.prod.jobPools;
    const tenants = tenantsOrDefault({ default: { cpu: "32", memory: "128Gi", gpus: 0, weight: 1 }, research: { cpu: "16", memory: "64Gi", gpus: 0, weight: 1 } });
    const capacity = queueCapacity(tenants, pools);
    const env = { ...jobLimitsEnv(jobSizes(capacity, pools)), QUEUE_CAPACITY: JSON.stringify(capacity) };
    const policy = admissionPolicyOf(parseEnv(SERVICE_ENV["yaml-manager"], env));
    const cpuJob = (parallelism: number) => gpuJob({ parallelism }).replace(`, ${GPU_RESOURCE}: 1`, "").replaceAll('cpu: "2"', 'cpu: "4"');

    const within = run(cpuJob(8), policy, "default");
    expect(within.ok ? [] : within.problems).toEqual([]);
    const above = run(cpuJob(10), policy, "default");
    expect(above.ok ? [] : above.problems).toEqual([
      expect.objectContaining({
        rule: "quota/exceeded",
        object: "Job/train",
        path: "spec.parallelism",
        message: "the job needs 40 CPU requested (replicas x requests) at most, above its quota of 32 (JOB_QUOTA_CPU); ask for less or split the job",
      }),
      expect.objectContaining({ rule: "quota/exceeded", message: expect.stringMatching(/^the job needs 40 CPU as limits .* above its quota of 32 \(JOB_QUOTA_CPU\)/) }),
    ]);
  });
});
