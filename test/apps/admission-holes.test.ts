import { describe, expect, it } from "vitest";
import { DEFAULT_ISOLATION, JOB_EPHEMERAL_STORAGE, QUOTA_COUNTED_KINDS } from "../../apps/shared/contract";
import { namespaceObjects } from "../../apps/shared/isolation/namespace-objects";
import { DEFAULT_POLICY, admit as admitDocuments, type AdmissionPolicy } from "../../apps/shared/admission/admit";
import { parseIntOrPercent, scaled } from "../../apps/shared/admission/disruption";
import { parseImageRef, parseRegistryEntry } from "../../apps/shared/admission/image-ref";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";

const JOB = "0b6f1c2e-3f7a-4a8e-9c1d-2e3f4a5b6c7d";
const NS = `job-${JOB}`;
const admit = (text: string, policy: AdmissionPolicy = DEFAULT_POLICY) => {
  const parsed = parseYamlFiles([{ name: "job.yaml", text }], { maxDocuments: 100, maxDepth: 32, maxAliases: 0 });
  expect(parsed.problems).toEqual([]);
  return admitDocuments(JOB, parsed.documents, policy);
};
const rules = (text: string, policy?: AdmissionPolicy) => {
  const v = admit(text, policy);
  return v.ok ? [] : v.problems.map((p) => `${p.rule} ${p.path ?? ""} ${p.message}`);
};
const deployment = (extra: { podMeta?: string; spec?: string; image?: string; replicas?: number } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${extra.replicas ?? 2}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}${extra.podMeta ?? ""}}
    spec:
      containers: [{name: c, image: "${extra.image ?? "nginx:1.27"}"}]
${extra.spec ?? ""}`;

describe("pod affinity stays in the job's namespace (issue 23, item 7)", () => {
  it("When an affinity or anti-affinity term selects other namespaces (namespaceSelector: {} or namespaces naming others), then it is refused and the message says why", () => {
    const bySelector = rules(deployment({ spec: "      affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: db}}, namespaceSelector: {}}]}}\n" }));
    expect(bySelector.join("\n")).toMatch(/placement\/pod-affinity-namespace .*namespaceSelector.*only select pods of the job's own namespace/);
    const byName = rules(deployment({ spec: "      affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: db}}, namespaces: [job-other]}}]}}\n" }));
    expect(byName.join("\n")).toMatch(/placement\/pod-affinity-namespace .*namespaces.*job-other/);
  });

  it("When affinity terms name no namespace or only the job's own, then they pass", () => {
    expect(rules(deployment({ spec: `      affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}, namespaces: [${NS}]}]}}\n` }))).toEqual([]);
    expect(rules(deployment({ spec: "      affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}]}}\n" }))).toEqual([]);
  });
});

describe("disruption budgets and the autoscaler (issue 23, item 8)", () => {
  it("When IntOrString percentages are parsed, then they read as apimachinery's intstr reads them (leading zeros, sign, rounding)", () => {
    expect(parseIntOrPercent("00%")).toEqual({ value: 0, percent: true });
    expect(parseIntOrPercent("0100%")).toEqual({ value: 100, percent: true });
    expect(parseIntOrPercent("+5%")).toEqual({ value: 5, percent: true });
    expect(parseIntOrPercent("50")).toHaveProperty("error");
    expect(parseIntOrPercent("5.5%")).toHaveProperty("error");
    expect(scaled({ value: 99, percent: true }, 1, true)).toBe(1);
    expect(scaled({ value: 99, percent: true }, 1, false)).toBe(0);
  });

  const pdb = (field: string, value: string) => `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b}\nspec:\n  ${field}: ${value}\n  selector: {matchLabels: {app: web}}\n`;
  it.each([
    ["maxUnavailable", '"00%"'],
    ["maxUnavailable", "0"],
    ["minAvailable", '"0100%"'],
    ["minAvailable", '"100%"'],
  ])("When a budget sets %s: %s, then it is refused as allowing no disruption", (field, value) => {
    expect(rules(pdb(field, value)).join("\n")).toMatch(/pdb\/no-disruption/);
  });

  it("When minAvailable is at least the number of pods the budget selects (after rounding up), then it is refused; one less passes", () => {
    expect(rules(`${deployment({ replicas: 3 })}---\n${pdb("minAvailable", "3")}`).join("\n")).toMatch(/pdb\/no-disruption spec.minAvailable minAvailable 3 of the 3 pod/);
    expect(rules(`${deployment({ replicas: 1 })}---\n${pdb("minAvailable", '"50%"')}`).join("\n")).toMatch(/pdb\/no-disruption/);
    expect(rules(`${deployment({ replicas: 3 })}---\n${pdb("minAvailable", "2")}`)).toEqual([]);
    expect(rules(`${deployment({ replicas: 4 })}---\n${pdb("minAvailable", '"50%"')}`)).toEqual([]);
  });

  it("When a budget's value is a string that is not a percentage, then it is refused as Kubernetes would", () => {
    expect(rules(pdb("maxUnavailable", '"one"')).join("\n")).toMatch(/pdb\/invalid/);
  });

  it("When a pod template carries cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\", then it is refused", () => {
    const r = rules(deployment({ podMeta: ', annotations: {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"}' }));
    expect(r.join("\n")).toMatch(/pdb\/safe-to-evict spec.template.metadata.annotations.cluster-autoscaler.kubernetes.io\/safe-to-evict/);
    expect(rules(deployment({ podMeta: ', annotations: {"cluster-autoscaler.kubernetes.io/safe-to-evict": "true"}' }))).toEqual([]);
  });
});

describe("image references against the registry allow-list (issue 23, item 9)", () => {
  it("When references are parsed, then short names resolve as containerd resolves them and the registry host is split off as distribution/reference does", () => {
    expect(parseImageRef("busybox")).toEqual({ domain: "docker.io", path: "library/busybox" });
    expect(parseImageRef("docker.io/busybox:1.36")).toEqual({ domain: "docker.io", path: "library/busybox", tag: "1.36" });
    expect(parseImageRef("index.docker.io/library/busybox")).toEqual({ domain: "docker.io", path: "library/busybox" });
    expect(parseImageRef("localhost:5000/app@sha256:" + "a".repeat(64))).toEqual({ domain: "localhost:5000", path: "app", digest: "sha256:" + "a".repeat(64) });
    expect(parseImageRef("myorg/app")).toEqual({ domain: "docker.io", path: "myorg/app" });
    expect(parseImageRef("Upper/app")).toEqual({ domain: "Upper", path: "app" });
    expect(parseImageRef("docker.io/UPPER")).toBeUndefined();
    expect(parseImageRef("a..b/x")).toBeUndefined();
    expect(parseRegistryEntry("docker.io/library/")).toEqual({ domain: "docker.io", path: "library" });
    expect(parseRegistryEntry("nginx")).toEqual({ domain: "docker.io", path: "library/nginx" });
    expect(parseRegistryEntry("europe-docker.pkg.dev")).toEqual({ domain: "europe-docker.pkg.dev", path: "" });
  });

  const policy = (allowedRegistries: string[]) => ({ ...DEFAULT_POLICY, allowedRegistries });
  it("When an image's registry only starts with an allowed one (registry.allowed.example.evil.net), then it is refused: hosts compare exactly", () => {
    expect(rules(deployment({ image: "registry.allowed.example.evil.net/x:1" }), policy(["registry.allowed.example"])).join("\n")).toMatch(/pod-security\/registry/);
    expect(rules(deployment({ image: "registry.allowed.example/team/x:1" }), policy(["registry.allowed.example"]))).toEqual([]);
    expect(rules(deployment({ image: "docker.io/libraryx/y" }), policy(["docker.io/library"])).join("\n")).toMatch(/pod-security\/registry/);
  });

  it("When short names are used, then they are checked as docker.io/library/<name>", () => {
    expect(rules(deployment({ image: "busybox:1.36" }), policy(["docker.io/library"]))).toEqual([]);
    expect(rules(deployment({ image: "busybox:1.36" }), policy(["gcr.io"])).join("\n")).toMatch(/docker\.io\/library\/busybox/);
  });

  it("When an image volume pulls from a registry not allowed, then it is refused like a container image", () => {
    const r = rules(deployment({ spec: "      volumes: [{name: data, image: {reference: evil.example/data:1}}]\n" }), policy(["docker.io/library"]));
    expect(r.join("\n")).toMatch(/pod-security\/registry spec.template.spec.volumes\[0\].image.reference/);
  });
});

describe("quotas cover node disk and every kind a job can create (issue 23, item 10)", () => {
  const fence = namespaceObjects(JOB, DEFAULT_ISOLATION);
  const quota = fence.find((o) => o.kind === "ResourceQuota") as { spec: { hard: Record<string, string> } };
  const limitRange = fence.find((o) => o.kind === "LimitRange") as { spec: { limits: Record<string, Record<string, string>>[] } };

  it("When a job namespace is fenced, then its quota bounds ephemeral-storage and counts every admitted kind, and its LimitRange gives each container a disk limit", () => {
    expect(quota.spec.hard["limits.ephemeral-storage"]).toBe(JOB_EPHEMERAL_STORAGE.quota);
    expect(quota.spec.hard["requests.ephemeral-storage"]).toBe(JOB_EPHEMERAL_STORAGE.quota);
    for (const resource of Object.values(QUOTA_COUNTED_KINDS)) expect(quota.spec.hard[resource], resource).toBeDefined();
    expect(quota.spec.hard["count/statefulsets.apps"]).toBe(String(DEFAULT_ISOLATION.quota.objects));
    expect(limitRange.spec.limits[0]!.default!["ephemeral-storage"]).toBe(JOB_EPHEMERAL_STORAGE.defaultLimit);
    expect(limitRange.spec.limits[0]!.max!["ephemeral-storage"]).toBe(JOB_EPHEMERAL_STORAGE.maxPerContainer);
  });

  it("When a container asks for more node disk than the per-container maximum, or a job makes more Roles than the quota counts, then it is refused at submit", () => {
    expect(rules(deployment({ spec: "" }).replace('image: "nginx:1.27"', 'image: "nginx:1.27", resources: {limits: {ephemeral-storage: 500Gi}}')).join("\n")).toMatch(/limits\/container-max .*ephemeral-storage/);
    const roles = Array.from({ length: DEFAULT_ISOLATION.quota.objects + 1 }, (_, i) => `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r${i}}\nrules: []\n`).join("---\n");
    expect(rules(roles).join("\n")).toMatch(/quota\/exceeded .*Role objects/);
  });
});
