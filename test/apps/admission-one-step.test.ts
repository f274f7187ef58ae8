import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { JobEvent } from "../../apps/shared/contract";
import { DEFAULT_POLICY } from "../../apps/shared/admission/admit";
import { runAdmission } from "../../apps/shared/admission/admit-task";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { eventIdOfJob } from "../../apps/shared/messaging/event-ids";
import { FsObjectStore } from "../../apps/shared/storage/fs-store";
import { jobKeys } from "../../apps/shared/storage/job-keys";
import { putJson } from "../../apps/shared/storage/object-store";
import { yamlManagerHandler } from "../../apps/yaml-manager/handler";

/**
 * The dry run (runAdmission, in the API's worker pool) and the YAML Manager (on job.submitted)
 * take one admission step (admission/admit-task.ts, admitDocuments): what a user is told by a
 * dry run is what the submission gets, problems and warnings at the same file and line.
 */
const LIMITS = { maxDocuments: 100, maxDepth: 32, maxAliases: 20 };
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const throughYamlManager = async (files: { name: string; text: string }[], jobId: string): Promise<JobEvent> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "one-step-"));
  dirs.push(dir);
  const store = new FsObjectStore(dir);
  await putJson(store, jobKeys(jobId).submission, { files, documents: parseYamlFiles(files, LIMITS).documents });
  const published: JobEvent[] = [];
  const handler = yamlManagerHandler({ publish: async (e) => void published.push(e), store, policy: DEFAULT_POLICY });
  await handler(
    { type: "job.submitted", eventId: eventIdOfJob(jobId, "job.submitted"), jobId, tenant: "default", at: new Date().toISOString(), namespace: `job-${jobId}`, submissionKey: jobKeys(jobId).submission, files: files.map((f) => ({ name: f.name, bytes: f.text.length })) },
    { attempt: 1, log: pino({ level: "silent" }) },
  );
  expect(published).toHaveLength(1);
  return published[0]!;
};

describe("one admission step for the dry run and the submission", () => {
  it("When a refused submission is dry-run and then submitted, then the YAML Manager rejects it with the dry run's problems, at the same lines", async () => {
    const files = [
      { name: "ok.yaml", text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n" },
      { name: "bad.yaml", text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: busybox\n    securityContext: {privileged: true}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n" },
    ];
    const jobId = randomUUID();
    const dry = runAdmission({ files, limits: LIMITS, jobId, policy: DEFAULT_POLICY, tenant: "default" });
    expect(dry.ok).toBe(false);
    const event = await throughYamlManager(files, jobId);
    expect(event.type).toBe("job.rejected");
    const problems = (event as Extract<JobEvent, { type: "job.rejected" }>).problems;
    expect(problems.length).toBeGreaterThan(2);
    expect(problems.every((p) => p.file && p.line)).toBe(true);
    expect(problems).toEqual(!dry.ok ? dry.problems : []);
  });

  it("When an admitted submission gets the platform's defaults, then the YAML Manager's warnings and resources are the dry run's", async () => {
    const files = [{ name: "job.yaml", text: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: train}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: python:3.12\n        command: [python, -c, print(1)]\n" }];
    const jobId = randomUUID();
    const dry = runAdmission({ files, limits: LIMITS, jobId, policy: DEFAULT_POLICY, tenant: "default" });
    expect(dry.ok).toBe(true);
    const event = await throughYamlManager(files, jobId);
    expect(event.type).toBe("job.validated");
    const validated = event as Extract<JobEvent, { type: "job.validated" }>;
    expect(validated.warnings.length).toBeGreaterThan(0);
    expect(validated.warnings).toEqual(dry.ok ? dry.warnings : []);
    expect(validated.resources).toEqual(dry.ok ? dry.resources : []);
  });
});
