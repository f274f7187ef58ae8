import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { admit } from "../../apps/shared/admission/admit";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { schemaErrors } from "../support/k8s-schema";

const JOB = "0b6f1c2e-3f7a-4a8e-9c1d-2e3f4a5b6c7d";
const corpus = path.join(__dirname, "../fixtures/manifests");
const admitText = (name: string, text: string) => {
  const parsed = parseYamlFiles([{ name, text }], { maxDocuments: 100, maxDepth: 32, maxAliases: 20 });
  expect(parsed.problems).toEqual([]);
  const v = admit(JOB, parsed.documents);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v;
};
const IGNORE_DISRUPTIONS = { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] };

describe("spot without surprises: a reclaimed pod is not the job's failure", () => {
  it("When a Job with restartPolicy Never sets no podFailurePolicy, then one ignoring DisruptionTarget pods is added, with a warning, and the Job stays schema-valid", () => {
    const v = admitText("pi.yaml", readFileSync(path.join(corpus, "pi-job.yaml"), "utf8"));
    const job = v.manifests[0] as { spec: { podFailurePolicy: unknown } };
    expect(job.spec.podFailurePolicy).toEqual(IGNORE_DISRUPTIONS);
    expect(schemaErrors(job as never)).toEqual([]);
    expect(v.warnings.find((w) => w.path === "spec.podFailurePolicy")?.message).toMatch(/DisruptionTarget/);
  });

  it("When a Job brings its own podFailurePolicy, then it is kept as written and nothing is said", () => {
    const own = { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }] };
    const text = `apiVersion: batch/v1
kind: Job
metadata: {name: own}
spec:
  podFailurePolicy: ${JSON.stringify(own)}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: "busybox:1.36", resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 100m, memory: 64Mi}}}]
`;
    const v = admitText("own.yaml", text);
    expect((v.manifests[0] as { spec: { podFailurePolicy: unknown } }).spec.podFailurePolicy).toEqual(own);
    expect(v.warnings.some((w) => w.path?.includes("podFailurePolicy"))).toBe(false);
  });

  it("When a CronJob's Job uses restartPolicy OnFailure, then no podFailurePolicy is added (the API server refuses one) and the warning says reclaims count against backoffLimit", () => {
    const v = admitText("hello.yaml", readFileSync(path.join(corpus, "hello-cronjob.yaml"), "utf8"));
    const cron = v.manifests[0] as { spec: { jobTemplate: { spec: Record<string, unknown> } } };
    expect(cron.spec.jobTemplate.spec.podFailurePolicy).toBeUndefined();
    expect(v.warnings.find((w) => w.path === "spec.jobTemplate.spec.template.spec.restartPolicy")?.message).toMatch(/counts against backoffLimit/);
  });
});
