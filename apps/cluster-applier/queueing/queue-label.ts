import { LOCAL_QUEUE_NAME, QUEUE_NAME_LABEL } from "../../shared/contract";
import type { Manifest } from "../targets/cluster-target";

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Where Kueue reads the queue label of each kind a job may submit (kubernetes-sigs/kueue@v0.19.2
 * site/content/en/docs/tasks/run/: jobs.md, deployment.md, statefulset.md and plain_pods.md on
 * `metadata.labels`; run_cronjobs.md on the Job template's labels). A ReplicaSet has no Kueue
 * integration: its pods carry the label and are queued one by one (the `pod` integration).
 */
const LABEL_PATHS: Readonly<Record<string, readonly string[]>> = {
  Job: ["metadata"],
  Deployment: ["metadata"],
  StatefulSet: ["metadata"],
  Pod: ["metadata"],
  CronJob: ["spec", "jobTemplate", "metadata"],
  ReplicaSet: ["spec", "template", "metadata"],
};

/** The kinds the applier sends to Kueue; anything else a job submits is not a workload. */
export const QUEUED_KINDS = Object.keys(LABEL_PATHS);

/**
 * The manifest with its workload sent to the job namespace's LocalQueue (a copy). Admission has
 * already refused manifests that set any kueue.x-k8s.io/ label themselves.
 */
export const withQueueLabel = (manifest: Manifest): Manifest => {
  const path = LABEL_PATHS[String(manifest.kind)];
  if (!path) return manifest;
  const out = structuredClone(manifest);
  let cur: Obj = out;
  for (const key of path) {
    if (!isObj(cur[key])) cur[key] = {};
    cur = cur[key] as Obj;
  }
  cur.labels = { ...(isObj(cur.labels) ? cur.labels : {}), [QUEUE_NAME_LABEL]: LOCAL_QUEUE_NAME };
  return out;
};
