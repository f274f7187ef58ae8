import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { JOB_ID_LABEL } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { DEFAULT_POLICY, admit as admitDocuments, summarize, type AdmissionPolicy } from "../../apps/yaml-manager/admission/admit";

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
      expect(p).toMatchObject({ file, document: 1, path: expect.any(String), message: expect.any(String) });
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
