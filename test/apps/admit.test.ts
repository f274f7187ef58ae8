import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { JOB_ID_LABEL } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { DEFAULT_POLICY, admit as admitDocuments, summarize, type AdmissionPolicy } from "../../apps/shared/admission/admit";

const JOB = "0b6f1c2e-3f7a-4a8e-9c1d-2e3f4a5b6c7d";
const NS = `job-${JOB}`;
const limits = { maxDocuments: 100, maxDepth: 32, maxAliases: 20 };
const corpus = path.join(__dirname, "../fixtures/manifests");
/** Parse as the entrypoint does, then admit as the YAML Manager does. */
const admit = (jobId: string, files: { name: string; text: string }[], policy?: AdmissionPolicy) => {
  const parsed = parseYamlFiles(files, limits);
  expect(parsed.problems).toEqual([]);
  return admitDocuments(jobId, parsed.documents, policy);
};
const one = (text: string) => admit(JOB, [{ name: "job.yaml", text }]);

describe("admission (first version)", () => {
  it.each(readdirSync(corpus))("When the real-world manifest %s is admitted, then every object lands in the job namespace, labelled", (file) => {
    const verdict = admit(JOB, [{ name: file, text: readFileSync(path.join(corpus, file), "utf8") }]);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.resources.length).toBeGreaterThan(0);
    for (const m of verdict.manifests) {
      const meta = m.metadata as { namespace: string; labels: Record<string, string> };
      expect(meta.namespace).toBe(NS);
      expect(meta.labels[JOB_ID_LABEL]).toBe(JOB);
    }
  });

  it("When a manifest names another namespace, then it is forced into the job's namespace", () => {
    const v = one("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: kube-system}\n");
    expect(v.ok && v.resources[0]).toEqual({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "c" });
  });

  it("When a CronJob is admitted, then the pods its jobs make carry the job label too", () => {
    const text = readFileSync(path.join(corpus, "hello-cronjob.yaml"), "utf8");
    const v = one(text);
    if (!v.ok) throw new Error("expected admission");
    const tpl = (v.manifests[0] as any).spec.jobTemplate.spec.template.metadata.labels;
    expect(tpl[JOB_ID_LABEL]).toBe(JOB);
  });

  it("When required fields are missing, then every problem is listed with its document and path", () => {
    const v = one("kind: Pod\nmetadata: {}\n---\napiVersion: v1\nmetadata: {name: Bad_Name}\n");
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems.map((p) => [p.document, p.path])).toEqual([
      [1, "apiVersion"],
      [1, "metadata.name"],
      [2, "kind"],
      [2, "metadata.name"],
    ]);
    expect(summarize(v.problems)).toMatch(/^4 problems in the manifests: job.yaml document 1 apiVersion: apiVersion is required/);
  });

  it("When a cluster-scoped object is submitted, then it is rejected with the reason", () => {
    const v = one("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: pwn}\n");
    expect(!v.ok && v.problems[0]).toMatchObject({ path: "kind", message: expect.stringMatching(/cluster-scoped/) });
  });

  it("When the same object is defined twice, then the second is named with where the first was", () => {
    const v = one("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
    expect(!v.ok && v.problems[0]!.message).toBe("ConfigMap/a is defined twice (first in job.yaml document 1)");
  });

  it("When the submission holds only comments, then it is rejected as empty", () => {
    const v = one("# nothing here\n");
    expect(!v.ok && v.problems[0]!.message).toMatch(/no manifests found/);
  });
});

const hostile = path.join(__dirname, "../fixtures/hostile");

describe("admission against hostile manifests", () => {
  it.each(readdirSync(hostile))("When %s is submitted, then it is rejected with the expected rules and precise paths", (file) => {
    const text = readFileSync(path.join(hostile, file), "utf8");
    const expected = /^# expect: (.+)$/m.exec(text)![1]!.split(" ");
    const v = admit(JOB, [{ name: file, text }]);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(new Set(v.problems.map((p) => p.rule))).toEqual(new Set(expected));
    for (const p of v.problems) {
      expect(p).toMatchObject({ file, document: expect.any(Number), path: expect.any(String), message: expect.any(String) });
    }
  });

  it("When a manifest has several problems, then each names the object, JSON path and rule", () => {
    const v = admit(JOB, [{ name: "c.yaml", text: readFileSync(path.join(hostile, "cronjob-escalation.yaml"), "utf8") }]);
    if (v.ok) throw new Error("expected a rejection");
    const base = "spec.jobTemplate.spec.template.spec.containers[0].securityContext";
    expect(v.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ object: "CronJob/nightly", path: `${base}.allowPrivilegeEscalation`, rule: "pod-security/privilege-escalation" }),
        expect.objectContaining({ object: "CronJob/nightly", path: `${base}.capabilities.add[0]`, rule: "pod-security/capabilities", message: expect.stringMatching(/SYS_ADMIN/) }),
        expect.objectContaining({ path: `${base}.seccompProfile.type`, rule: "pod-security/seccomp" }),
      ]),
    );
    expect(v.problems.some((p) => p.path === `${base}.capabilities.add[1]`)).toBe(false); // NET_BIND_SERVICE is fine
  });

  it("When a field is misspelled, then the rejection suggests the right name", () => {
    const v = admit(JOB, [{ name: "t.yaml", text: readFileSync(path.join(hostile, "typo.yaml"), "utf8") }]);
    if (v.ok) throw new Error("expected a rejection");
    expect(v.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "spec.replica", message: 'unknown field "replica"; did you mean "replicas"?' }),
        expect.objectContaining({ path: "spec.template.spec.containers[0].ports[0].containerPort", rule: "schema/invalid" }),
      ]),
    );
  });

  it("When images come from outside the allowed registries, then they are refused", () => {
    const text = readFileSync(path.join(corpus, "pi-job.yaml"), "utf8");
    const v = admit(JOB, [{ name: "pi.yaml", text }], { ...DEFAULT_POLICY, allowedRegistries: ["europe-docker.pkg.dev/acme/"] });
    expect(!v.ok && v.problems[0]).toMatchObject({ rule: "pod-security/registry", path: "spec.template.spec.containers[0].image" });
  });
});

describe("admission mutations: safe defaults where the manifest is silent", () => {
  it("When a plain Deployment is admitted, then its pods get the restricted profile's safe settings", () => {
    const v = admit(JOB, [{ name: "w.yaml", text: readFileSync(path.join(corpus, "web-deployment-and-service.yaml"), "utf8") }]);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const pod = (v.manifests.find((m) => m.kind === "Deployment") as any).spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  it("When a Job sets no deadline or clean-up, then the platform's defaults are added, and its own values are kept", () => {
    const v = admit(JOB, [{ name: "pi.yaml", text: readFileSync(path.join(corpus, "pi-job.yaml"), "utf8") }]);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect((v.manifests[0] as any).spec).toMatchObject({ activeDeadlineSeconds: 86400, ttlSecondsAfterFinished: 3600, backoffLimit: 4 });
  });
});

describe("admission: metadata the server writes, and what admission tells the user it changed", () => {
  it("When kubectl's dry-run output (creationTimestamp: null, status: {}) is admitted, then it passes and those empty fields go without a warning", () => {
    const text = execKubectl();
    const v = one(text);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const dep = v.manifests[0] as any;
    expect(dep.metadata.creationTimestamp).toBeUndefined();
    expect(dep.spec.template.metadata.creationTimestamp).toBeUndefined();
    expect(dep.status).toBeUndefined();
    expect(v.warnings.some((w) => /creationTimestamp|status/.test(w.path ?? ""))).toBe(false);
  });

  it("When `kubectl get -o yaml` output (uid, resourceVersion, managedFields, status) is admitted, then those fields are stripped and each removal is a warning", () => {
    const v = one(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: team-a\n  uid: 1d6f0c8a-0000-4000-8000-000000000000\n  resourceVersion: '4711'\n  creationTimestamp: '2026-01-01T00:00:00Z'\n  managedFields: [{ manager: kubectl, operation: Apply }]\ndata: { a: b }\n",
    );
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(v.manifests[0]!.metadata).not.toHaveProperty("uid");
    expect(v.manifests[0]!.metadata).not.toHaveProperty("managedFields");
    expect(v.warnings.map((w) => w.path)).toEqual(["metadata.uid", "metadata.resourceVersion", "metadata.creationTimestamp", "metadata.managedFields", "metadata.namespace"]);
    expect(v.warnings[0]).toEqual({ file: "job.yaml", document: 1, object: "ConfigMap/c", path: "metadata.uid", message: expect.stringMatching(/written by the API server/) });
  });

  it("When a pod runs as root by default, then the runAsNonRoot warning names the problem and the fix", () => {
    const v = one("apiVersion: v1\nkind: Pod\nmetadata: {name: cache}\nspec:\n  containers: [{name: redis, image: redis:7}]\n");
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const w = v.warnings.find((x) => x.path === "spec.securityContext.runAsNonRoot")!;
    expect(w.message).toMatch(/runAsNonRoot: true was set.*runs as root by default \(as redis:7, busybox.*set securityContext.runAsUser/);
    expect(v.warnings.map((x) => x.path)).toEqual(
      expect.arrayContaining(["spec.containers[0].securityContext.allowPrivilegeEscalation", "spec.containers[0].securityContext.capabilities.drop", "spec.securityContext.seccompProfile", "spec.automountServiceAccountToken"]),
    );
  });

  it("When a container requests more than the default limit and sets no limit, then the limit is raised to the request and said so", () => {
    const v = one("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 1000}\n  containers: [{name: c, image: busybox, resources: {requests: {cpu: '2', memory: 1Gi}}}]\n");
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect((v.manifests[0] as any).spec.containers[0].resources.limits).toEqual({ cpu: "2", memory: "1Gi" });
    expect(v.warnings.find((w) => w.path === "spec.containers[0].resources.limits.cpu")!.message).toMatch(/default limit \(500m\) is below it/);
  });

  it("When replicas x requests exceed the quota, then the problem names the quota setting and the biggest consumer", () => {
    const v = admit(JOB, [{ name: "s.yaml", text: readFileSync(path.join(hostile, "too-many-replicas.yaml"), "utf8") }]);
    if (v.ok) throw new Error("expected a rejection");
    expect(v.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ object: "Deployment/swarm", rule: "quota/exceeded", message: expect.stringMatching(/1000 pods at most, above its quota of 50 \(JOB_QUOTA_PODS\)/) }),
        expect.objectContaining({ object: "Deployment/swarm", message: expect.stringMatching(/500 CPU requested .* quota of 8 \(JOB_QUOTA_CPU\)/) }),
      ]),
    );
  });

  it("When the quota numbers are configured differently, then admission uses them (the same config the applier installs)", () => {
    const text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 3\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx}]}\n";
    const parsed = parseYamlFiles([{ name: "d.yaml", text }], limits);
    expect(admitDocuments(JOB, parsed.documents).ok).toBe(true);
    const small = { ...DEFAULT_POLICY, isolation: { ...DEFAULT_POLICY.isolation, quota: { ...DEFAULT_POLICY.isolation.quota, cpu: "1" } } };
    const v = admitDocuments(JOB, parsed.documents, small);
    expect(!v.ok && v.problems[0]!.message).toMatch(/1.5 CPU requested .* quota of 1 \(JOB_QUOTA_CPU\)/);
  });

  it("When a storage or priority class is on the configured allow-list, then it is accepted", () => {
    const policy = { ...DEFAULT_POLICY, allowedPriorityClasses: ["batch-low"], allowedStorageClasses: ["fast"] };
    const pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nspec: {accessModes: [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 10Gi}}}\n";
    const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priorityClassName: batch-low, securityContext: {runAsUser: 1000}, containers: [{name: c, image: busybox}]}\n";
    expect(admit(JOB, [{ name: "a.yaml", text: `${pvc}---\n${pod}` }], policy).ok).toBe(true);
    expect(admit(JOB, [{ name: "a.yaml", text: `${pvc}---\n${pod}` }]).ok).toBe(false);
  });

  it("When a ConfigMap holds more than 1 MiB of data, then it is refused as the API server would", () => {
    const v = one(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  a: "${"x".repeat(600_000)}"\n  b: "${"y".repeat(600_000)}"\n`);
    expect(!v.ok && v.problems[0]).toMatchObject({ rule: "size/config-data", message: expect.stringMatching(/at most 1 MiB/) });
  });

  it("When a job names a NetworkPolicy like one of its fence policies, then it is refused (it would replace the fence)", () => {
    const v = one("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec: {podSelector: {}}\n");
    expect(!v.ok && v.problems[0]).toMatchObject({ rule: "network-policy/reserved-name" });
  });
});

/** What `kubectl create deployment web --image=nginx --dry-run=client -o yaml` writes: the real kubectl where installed, else its recorded output. */
const execKubectl = () => {
  try {
    return execFileSync("kubectl", ["create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "yaml"], { encoding: "utf8", timeout: 20_000 });
  } catch {
    return RECORDED_KUBECTL;
  }
};
const RECORDED_KUBECTL =
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: web\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  strategy: {}\n  template:\n    metadata:\n      creationTimestamp: null\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx\n        name: nginx\n        resources: {}\nstatus: {}\n";
