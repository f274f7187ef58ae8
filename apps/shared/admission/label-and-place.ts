import { JOB_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, TENANT_LABEL, namespaceFor } from "../contract";

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** Where workloads keep the pod template their pods are made from. */
const POD_TEMPLATE_PATHS: Record<string, string[][]> = {
  Deployment: [["spec", "template"]],
  StatefulSet: [["spec", "template"]],
  DaemonSet: [["spec", "template"]],
  ReplicaSet: [["spec", "template"]],
  Job: [["spec", "template"]],
  CronJob: [["spec", "jobTemplate"], ["spec", "jobTemplate", "spec", "template"]],
};

const dig = (o: Obj, path: string[]): Obj | undefined => {
  let cur: unknown = o;
  for (const k of path) cur = isObj(cur) ? cur[k] : undefined;
  return isObj(cur) ? cur : undefined;
};

const addLabels = (o: Obj, labels: Record<string, string>) => {
  const meta = isObj(o.metadata) ? o.metadata : (o.metadata = {});
  meta.labels = { ...(isObj(meta.labels) ? meta.labels : {}), ...labels };
};

/**
 * Put a manifest into the job's namespace and label it (and the pods it makes) with the
 * job id and tenant, so everything a job creates can be found, attributed and removed.
 * Returns a new object.
 */
export const labelAndPlace = (manifest: Obj, jobId: string, tenant: string): Obj => {
  const out = structuredClone(manifest);
  const labels = { [JOB_ID_LABEL]: jobId, [TENANT_LABEL]: tenant, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  addLabels(out, labels);
  (out.metadata as Obj).namespace = namespaceFor(jobId);
  for (const path of POD_TEMPLATE_PATHS[String(out.kind)] ?? []) {
    const template = dig(out, path);
    if (template) addLabels(template, { [JOB_ID_LABEL]: jobId, [TENANT_LABEL]: tenant });
  }
  return out;
};
