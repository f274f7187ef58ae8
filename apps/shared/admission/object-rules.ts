import { checkPdb } from "./disruption";
import { CONFIG_DATA_MAX_BYTES, FENCE_NETWORK_POLICIES } from "../contract";
import { isObj, listAt, objAt, type Obj, type Report } from "./finding";
import { checkRole, checkRoleBinding } from "./rbac";

const SAFE_SECRET_TYPES = new Set([
  "Opaque",
  "kubernetes.io/dockerconfigjson",
  "kubernetes.io/dockercfg",
  "kubernetes.io/tls",
  "kubernetes.io/basic-auth",
  "kubernetes.io/ssh-auth",
]);

export interface ObjectPolicy {
  namespace: string;
  jobActiveDeadlineSeconds: number;
  jobTtlSecondsAfterFinished: number;
}

type Rule = (obj: Obj, policy: ObjectPolicy, r: Report) => void;

/** ConfigMap and Secret data over 1 MiB in total is refused by the API server. */
const dataSize: Rule = (obj, _p, r) => {
  let bytes = 0;
  for (const key of ["data", "binaryData", "stringData"]) {
    for (const v of Object.values(objAt(obj, key) ?? {})) bytes += typeof v === "string" ? (key === "binaryData" || (key === "data" && obj.kind === "Secret") ? Math.floor((v.length * 3) / 4) : Buffer.byteLength(v)) : 0;
  }
  if (bytes > CONFIG_DATA_MAX_BYTES) r.bad("data", "size/config-data", `${String(obj.kind)} data is ${Math.round(bytes / 1024)} KiB; the API server allows at most 1 MiB (use a volume or object storage for bigger files)`);
};

const secretRules: Rule = (obj, p, r) => {
  dataSize(obj, p, r);
  const type = obj.type === undefined ? "Opaque" : String(obj.type);
  if (type === "kubernetes.io/service-account-token") {
    r.bad("type", "secret/service-account-token", "service-account-token Secrets mint API credentials; use a projected token volume instead");
  } else if (!SAFE_SECRET_TYPES.has(type)) {
    r.bad("type", "secret/type", `Secret type ${type} is not allowed; use one of ${[...SAFE_SECRET_TYPES].join(", ")}`);
  }
};

const serviceRules: Rule = (obj, _p, r) => {
  const spec = objAt(obj, "spec") ?? {};
  const type = spec.type === undefined ? "ClusterIP" : String(spec.type);
  if (type !== "ClusterIP") r.bad("spec.type", "service/type", `Service type ${type} would expose the job outside the cluster; use ClusterIP`);
  if (listAt(spec, "externalIPs").length > 0) r.bad("spec.externalIPs", "service/external-ips", "externalIPs can capture other tenants' traffic; remove them");
};

/** NetworkPolicies add up: one allowing egress anywhere would undo the job's default-deny. */
const networkPolicyRules: Rule = (obj, _p, r) => {
  const name = String(objAt(obj, "metadata")?.name);
  if ((FENCE_NETWORK_POLICIES as readonly string[]).includes(name)) {
    r.bad("metadata.name", "network-policy/reserved-name", `${name} is the name of one of the job's fence policies; choose another name`);
  }
  const spec = objAt(obj, "spec") ?? {};
  for (const dir of ["ingress", "egress"] as const) {
    listAt(spec, dir).forEach((rule, i) => {
      if (!isObj(rule)) return;
      const peers = listAt(rule, dir === "ingress" ? "from" : "to");
      if (peers.length === 0) {
        r.bad(`spec.${dir}[${i}]`, "network-policy/any-peer", `a rule without "${dir === "ingress" ? "from" : "to"}" allows every peer; name pods of the job with podSelector`);
      }
      peers.forEach((p, j) => {
        if (isObj(p) && (p.ipBlock !== undefined || p.namespaceSelector !== undefined)) {
          r.bad(`spec.${dir}[${i}].${dir === "ingress" ? "from" : "to"}[${j}]`, "network-policy/outside-namespace", "ipBlock and namespaceSelector reach outside the job; only podSelector within the job is allowed");
        }
      });
    });
  }
};

/** Jobs left behind keep pods and quota: give every Job a deadline and a clean-up delay. */
const withJobDefaults = (jobSpec: Obj | undefined, at: string, policy: ObjectPolicy, r: Report) => {
  if (!jobSpec) return;
  if (jobSpec.activeDeadlineSeconds === undefined) {
    jobSpec.activeDeadlineSeconds = policy.jobActiveDeadlineSeconds;
    r.changed(`${at}.activeDeadlineSeconds`, `activeDeadlineSeconds was set to ${policy.jobActiveDeadlineSeconds}: the Job is stopped after that long`);
  }
  if (jobSpec.ttlSecondsAfterFinished === undefined) {
    jobSpec.ttlSecondsAfterFinished = policy.jobTtlSecondsAfterFinished;
    r.changed(`${at}.ttlSecondsAfterFinished`, `ttlSecondsAfterFinished was set to ${policy.jobTtlSecondsAfterFinished}: the finished Job and its pods (and logs) are removed after that long`);
  }
  withSpotTolerance(jobSpec, at, r);
};

/**
 * Jobs run on spot nodes: a pod lost to a reclaim (or to preemption, or an eviction) must not
 * count as the job's failure. A pod failure policy whose rule ignores pods with the
 * DisruptionTarget condition does that (Job pod failure policy, stable since Kubernetes 1.31:
 * https://kubernetes.io/docs/tasks/job/pod-failure-policy/ "avoid Job failures due to Pod
 * disruptions"). The API server accepts a podFailurePolicy only with restartPolicy Never
 * (https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy); with
 * OnFailure nothing is added, and the warning says what that means. A policy the submitter
 * wrote is theirs: it is left as it is.
 */
const withSpotTolerance = (jobSpec: Obj, at: string, r: Report) => {
  if (jobSpec.podFailurePolicy !== undefined) return;
  const restartPolicy = objAt(objAt(jobSpec, "template") ?? {}, "spec")?.restartPolicy;
  if (restartPolicy === "Never") {
    jobSpec.podFailurePolicy = { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] };
    r.changed(`${at}.podFailurePolicy`, "podFailurePolicy was set to ignore pods lost to a disruption (spot reclaim, preemption, eviction: the DisruptionTarget condition): they are replaced without counting against backoffLimit");
  } else if (restartPolicy === "OnFailure") {
    r.changed(`${at}.template.spec.restartPolicy`, "restartPolicy OnFailure allows no podFailurePolicy: a pod lost to a spot reclaim counts against backoffLimit; use restartPolicy Never to have reclaims ignored");
  }
};

const RULES: Record<string, Rule> = {
  ConfigMap: dataSize,
  Secret: secretRules,
  Service: serviceRules,
  Role: (obj, _p, r) => checkRole(obj, r),
  RoleBinding: (obj, p, r) => checkRoleBinding(obj, p.namespace, r),
  NetworkPolicy: networkPolicyRules,
  // One that allows no disruption blocks node drains and the pool's scale-down for good (disruption.ts).
  PodDisruptionBudget: (obj, _p, r) => checkPdb(obj, r),
  Job: (obj, p, r) => withJobDefaults(objAt(obj, "spec"), "spec", p, r),
  CronJob: (obj, p, r) => withJobDefaults(objAt(objAt(objAt(obj, "spec") ?? {}, "jobTemplate") ?? {}, "spec"), "spec.jobTemplate.spec", p, r),
};

/** Kind-specific rules (and safe defaults, applied in place and reported). */
export const checkObjectRules = (obj: Obj, policy: ObjectPolicy, r: Report) => RULES[String(obj.kind)]?.(obj, policy, r);
