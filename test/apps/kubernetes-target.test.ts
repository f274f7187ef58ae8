import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { APPLIER_ACCESS, APPLIER_GRANTS, BINDABLE_CLUSTER_ROLES, JOB_EPHEMERAL_STORAGE, JOB_ID_LABEL, KUEUE_API_VERSION, KUEUE_FINALIZERS, LOCAL_QUEUE_NAME, LOG_READER_ACCESS, namespaceFor } from "../../apps/shared/contract";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { ApplyRefusedError } from "../../apps/cluster-applier/targets/cluster-target";
import { KubernetesTarget } from "../../apps/cluster-applier/targets/kubernetes-target";
import { WorkloadWatcher } from "../../apps/cluster-applier/workload/workload-watcher";
import { PodLogSaver } from "../../apps/cluster-applier/logs/pod-log-saver";
import { PodLogs } from "../../apps/shared/public-api/logs/pod-logs";
import { FsObjectStore } from "../../apps/shared/storage/fs-store";
import { admit } from "../../apps/shared/admission/admit";
import { eventually } from "../support/eventually";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";

const isolation = {
  quota: { cpu: "8", memory: "32Gi", pods: 50, storage: "100Gi", objects: 50 },
  container: { defaultCpu: "500m", defaultMemory: "512Mi", maxCpu: "4", maxMemory: "16Gi" },
  egress: [{ cidr: "10.16.0.0/16", port: 9200 }],
};
let api: KubeApiDouble;
let target: KubernetesTarget;

beforeAll(async () => {
  api = await startKubeApiDouble();
  target = new KubernetesTarget(api.kubeConfig(), { isolation, deleteTimeoutMs: 5000, deletePollMs: 20, logReaders: [DOUBLE_USERS.reader.name], logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await api.close();
});

/** Admitted manifests, as the YAML Manager would hand them over. */
const admitted = (jobId: string, file: string, edit?: (text: string) => string) => admittedText(jobId, file, readFileSync(path.join(__dirname, "../fixtures/manifests", file), "utf8"), edit);
const admittedText = (jobId: string, file: string, text: string, edit?: (text: string) => string) => {
  const parsed = parseYamlFiles([{ name: file, text: edit ? edit(text) : text }], { maxDocuments: 50, maxDepth: 32, maxAliases: 0 });
  const v = admit(jobId, parsed.documents);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.manifests;
};

describe("Kubernetes target against the API-server double", () => {
  it("When a job is applied, then its namespace is fenced (restricted PSA, quota, limits, default-deny) and its objects applied by server-side apply", async () => {
    const jobId = "11111111-2222-4333-8444-555555555555";
    const ns = `job-${jobId}`;
    const refs = await target.apply(jobId, admitted(jobId, "web-deployment-and-service.yaml"));
    expect(refs.map((r) => `${r.kind}/${r.name}`)).toEqual(["ConfigMap/web-config", "Service/web", "Deployment/web"]);

    const namespace = api.get("namespaces", "", ns)!;
    expect(namespace.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted", [JOB_ID_LABEL]: jobId });
    expect(api.get("resourcequotas", ns, "job-quota")!.spec.hard).toMatchObject({ "requests.cpu": "8", pods: "50", "services.loadbalancers": "0" });
    expect(api.get("limitranges", ns, "job-limits")!.spec.limits[0].default).toEqual({ cpu: "500m", memory: "512Mi", "ephemeral-storage": JOB_EPHEMERAL_STORAGE.defaultLimit });
    expect(api.get("networkpolicies", ns, "default-deny")!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(api.get("networkpolicies", ns, "allow-platform")!.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "10.16.0.0/16" } }], ports: [{ protocol: "TCP", port: 9200 }] }]);
    expect(api.get("deployments", ns, "web")!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);

    // Every object of the job: first a dry run, then the real apply, both as our field manager;
    // the fence is in place before the job's dry run, so the dry run meets the quota.
    const patches = api.requests.filter((r) => r.startsWith("PATCH") && r.includes(`/namespaces/${ns}/`));
    const deployment = patches.filter((r) => r.includes("/deployments/web"));
    expect(deployment).toHaveLength(2);
    expect(deployment[0]).toContain("dryRun=All");
    expect(deployment[1]).not.toContain("dryRun");
    expect(deployment.every((r) => r.includes("fieldManager=management-app") && r.includes("force=true"))).toBe(true);
    const quota = patches.findIndex((r) => r.includes("/resourcequotas/job-quota"));
    const firstDryRun = patches.findIndex((r) => r.includes("dryRun=All"));
    const lastDryRun = patches.findLastIndex((r) => r.includes("dryRun=All"));
    const firstJobReal = patches.findIndex((r) => /\/(configmaps|services|deployments)\//.test(r) && !r.includes("dryRun"));
    expect(quota).toBeLessThan(firstDryRun);
    expect(lastDryRun).toBeLessThan(firstJobReal);
    // The applier's own rights in the namespace: bound to who the server says it is, kept by a finalizer.
    expect(api.get("rolebindings", ns, APPLIER_ACCESS.jobBinding)).toMatchObject({
      metadata: { finalizers: [APPLIER_ACCESS.bindingFinalizer] },
      roleRef: { kind: "ClusterRole", name: APPLIER_ACCESS.jobClusterRole },
      subjects: [{ kind: "User", name: DOUBLE_USERS.applier.name }],
    });
    // The read API's: its log access, in this namespace only.
    expect(api.get("rolebindings", ns, LOG_READER_ACCESS.jobBinding)).toMatchObject({
      roleRef: { kind: "ClusterRole", name: LOG_READER_ACCESS.clusterRole },
      subjects: [{ kind: "User", name: DOUBLE_USERS.reader.name }],
    });
  });

  it("When the server refuses one object in the dry run, then nothing of the job is applied and the refusal is reported", async () => {
    const jobId = "21111111-2222-4333-8444-555555555555";
    const ns = `job-${jobId}`;
    const manifests = admitted(jobId, "web-deployment-and-service.yaml", (t) =>
      t.replace("kind: Service\nmetadata:\n  name: web", "kind: Service\nmetadata:\n  name: web\n  annotations:\n    double.test/refuse: exceeded quota services=0"),
    );
    const err = await target.apply(jobId, manifests).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyRefusedError);
    expect((err as Error).message).toMatch(/refused 1 object\(s\) in a dry run; the job's namespace was removed, nothing of it is left: Service\/web: .*exceeded quota services=0 \(HTTP 422\)/);
    expect(api.get("deployments", ns, "web")).toBeUndefined();
    expect(api.get("configmaps", ns, "web-config")).toBeUndefined();
    expect(api.get("namespaces", "", ns)).toBeUndefined();
  });

  it("When a job is rolled back, then its namespace is deleted in the foreground and ROLLED_BACK waits until it is gone", async () => {
    const jobId = "31111111-2222-4333-8444-555555555555";
    const ns = `job-${jobId}`;
    await target.apply(jobId, admitted(jobId, "pi-job.yaml"));
    expect(api.get("jobs", ns, "pi")).toBeDefined();
    const started = Date.now();
    expect(await target.rollback(jobId)).toEqual([{ apiVersion: "v1", kind: "Namespace", name: ns }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(api.terminationMs - 20);
    expect(api.get("namespaces", "", ns)).toBeUndefined();
    expect(api.get("jobs", ns, "pi")).toBeUndefined();
    expect(api.requests.some((r) => r.startsWith(`DELETE /api/v1/namespaces/${ns}`) && r.includes("propagationPolicy=Foreground"))).toBe(true);
    expect(await target.rollback(jobId)).toEqual([]);
  });

  it("When a rollback is redelivered while the namespace is still terminating and the server answers 409 (older API servers), then it still waits until the namespace is gone", async () => {
    const jobId = "31111111-2222-4333-8444-666666666666";
    const ns = `job-${jobId}`;
    await target.apply(jobId, admitted(jobId, "pi-job.yaml"));
    api.conflictOnTerminatingDelete = true;
    try {
      // The first applier deleted the namespace and died; the message comes to the next one.
      const first = await fetch(`${api.url}/api/v1/namespaces/${ns}?propagationPolicy=Foreground`, { method: "DELETE", headers: { authorization: `Bearer ${DOUBLE_USERS.applier.token}` } });
      expect(first.status).toBe(200);
      expect(api.get("namespaces", "", ns)?.status?.phase).toBe("Terminating");
      expect(await target.rollback(jobId)).toEqual([{ apiVersion: "v1", kind: "Namespace", name: ns }]);
      expect(api.get("namespaces", "", ns)).toBeUndefined();
    } finally {
      api.conflictOnTerminatingDelete = false;
    }
  });

  it("When the target is checked for readiness, then it asks the server's version", async () => {
    await expect(target.check()).resolves.toBeUndefined();
    expect(api.requests.at(-1)).toBe("GET /version");
  });
});

/** A job that refers to itself, as ordinary jobs do: its own ServiceAccount, Role and binding, and a Pod running as that account. */
const SELF_REFERRING = `apiVersion: v1
kind: ServiceAccount
metadata: { name: runner }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader }
rules:
  - apiGroups: [""]
    resources: ["pods", "configmaps"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: runner-reads-pods }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects: [{ kind: ServiceAccount, name: runner }]
---
apiVersion: v1
kind: Pod
metadata: { name: worker }
spec:
  serviceAccountName: runner
  containers: [{ name: w, image: busybox:1.36, command: ["sleep", "60"] }]
`;

describe("jobs a real server accepts or refuses (issue 18)", () => {
  it("1+3. When a job has a Role, a RoleBinding to it and a Pod naming its own ServiceAccount, then all of it is applied (they exist before the rest is dry-run)", async () => {
    const jobId = "41111111-2222-4333-8444-555555555555";
    const ns = namespaceFor(jobId);
    const refs = await target.apply(jobId, admittedText(jobId, "self.yaml", SELF_REFERRING));
    expect(refs.map((r) => `${r.kind}/${r.name}`)).toEqual(["ServiceAccount/runner", "Role/pod-reader", "RoleBinding/runner-reads-pods", "Pod/worker"]);
    expect(api.get("rolebindings", ns, "runner-reads-pods")).toBeDefined();
    expect(api.get("pods", ns, "worker")!.spec.serviceAccountName).toBe("runner");
    // The Role and the ServiceAccount went in (dry run, then real) before the binding and the pod were dry-run.
    const i = (re: RegExp) => api.requests.findIndex((r) => re.test(r));
    expect(i(new RegExp(`PATCH .*${ns}/roles/pod-reader\\?(?!.*dryRun)`))).toBeLessThan(i(new RegExp(`PATCH .*${ns}/rolebindings/runner-reads-pods.*dryRun=All`)));
    expect(i(new RegExp(`PATCH .*${ns}/serviceaccounts/runner\\?(?!.*dryRun)`))).toBeLessThan(i(new RegExp(`PATCH .*${ns}/pods/worker.*dryRun=All`)));
  });

  it("2. When a Role grants what the applier does not hold and reaches the cluster, then the cluster's 403 is the reason and the namespace is removed", async () => {
    const jobId = "51111111-2222-4333-8444-555555555555";
    const ns = namespaceFor(jobId);
    const manifests = admittedText(jobId, "self.yaml", SELF_REFERRING);
    // Admission refuses such a Role (apps/shared/admission/rbac-grants.ts); this one skips it.
    (manifests.find((m) => m.kind === "Role") as { rules: unknown[] }).rules.push({ apiGroups: [""], resources: ["pods/attach"], verbs: ["get"] });
    const err = await target.apply(jobId, manifests).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyRefusedError);
    expect((err as Error).message).toMatch(/Role\/pod-reader: roles.rbac.authorization.k8s.io "pod-reader" is forbidden: .*attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["pods\/attach"\], Verbs:\["get"\]\} \(HTTP 403\)/);
    expect(api.get("namespaces", "", ns)).toBeUndefined();
  });

  it("4. When a job's objects carry finalizers and its pods a one-hour grace period, then rollback clears them and ends well within its timeout", async () => {
    const jobId = "61111111-2222-4333-8444-555555555555";
    const ns = namespaceFor(jobId);
    const manifests = admittedText(jobId, "self.yaml", SELF_REFERRING);
    for (const m of manifests) (m.metadata as Record<string, unknown>).finalizers = ["example.com/keep-me"];
    (manifests.find((m) => m.kind === "Pod") as { spec: Record<string, unknown> }).spec.terminationGracePeriodSeconds = 3600;
    await target.apply(jobId, manifests);
    // The scheduler places the pod and the kubelet runs it.
    const pod = api.get("pods", ns, "worker")!;
    api.put({ ...pod, spec: { ...pod.spec, nodeName: "node-1" }, status: { phase: "Running" } });
    // One hour at the double's pace (10 ms a second) is 36 s; the rollback has 5 s.
    const started = Date.now();
    await target.rollback(jobId);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(api.get("namespaces", "", ns)).toBeUndefined();
    expect([...api.objects.keys()].filter((k) => k.includes(`/${ns}/`))).toEqual([]);
    // The pod's grace period was shortened by a second DELETE, the finalizers removed by merge patch.
    expect(api.requests.some((r) => r.startsWith(`DELETE /api/v1/namespaces/${ns}/pods/worker?gracePeriodSeconds=10`))).toBe(true);
  });

  it("5. When the server refuses an object during the real apply (after the dry run passed), then the namespace is removed: nothing is left half-applied", async () => {
    const jobId = "71111111-2222-4333-8444-555555555555";
    const ns = namespaceFor(jobId);
    const manifests = admitted(jobId, "web-deployment-and-service.yaml", (t) =>
      t.replace("kind: Deployment\nmetadata:\n  name: web", "kind: Deployment\nmetadata:\n  name: web\n  annotations:\n    double.test/refuse-for-real: exceeded quota pods=0"),
    );
    const err = await target.apply(jobId, manifests).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyRefusedError);
    expect((err as Error).message).toMatch(/refused 1 object\(s\); the job's namespace was removed, nothing of it is left: Deployment\/web: .*exceeded quota pods=0 \(HTTP 403\)/);
    expect(api.requests.some((r) => r.startsWith(`PATCH /apis/apps/v1/namespaces/${ns}/deployments/web`) && !r.includes("dryRun"))).toBe(true);
    expect(api.get("namespaces", "", ns)).toBeUndefined();
    expect(api.get("configmaps", ns, "web-config")).toBeUndefined();
  });

  it("6. When manifests come from `kubectl get -o yaml` (managedFields, uid, resourceVersion, status), then the server-owned fields are not sent and the job applies", async () => {
    const jobId = "81111111-2222-4333-8444-555555555555";
    const ns = namespaceFor(jobId);
    const [cm] = admittedText(jobId, "got.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n");
    Object.assign(cm!.metadata as object, {
      uid: "0d7c3c4e-1111-2222-3333-444455556666",
      resourceVersion: "123456",
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: [{ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "v1" }],
    });
    await target.apply(jobId, [{ ...cm!, status: {} }]);
    expect(api.get("configmaps", ns, "settings")!.data).toEqual({ a: "b" });
    expect(api.get("configmaps", ns, "settings")!.metadata.uid).not.toBe("0d7c3c4e-1111-2222-3333-444455556666");
  });
});

describe("Kueue's finalizers at teardown", () => {
  it("When a job namespace holds a Kueue Workload with Kueue's finalizer and Kueue does not answer, then teardown removes the finalizer and the namespace goes away", async () => {
    const t = new KubernetesTarget(api.kubeConfig(), { isolation, deleteTimeoutMs: 2000, deletePollMs: 20, logger: pino({ level: "silent" }) });
    const jobId = "d1111111-2222-4333-8444-555555555555";
    const ns = namespaceFor(jobId);
    await t.apply(jobId, admitted(jobId, "pi-job.yaml"));
    // What Kueue made while it ran: the Job's Workload and, through its pod integration, a
    // queued plain pod, each with Kueue's finalizer. Then Kueue stopped: the double has no Kueue
    // controller, so nothing else will ever remove them.
    const workload = "job-pi-3f2a1";
    api.put({ apiVersion: KUEUE_API_VERSION, kind: "Workload", metadata: { name: workload, namespace: ns, labels: { [JOB_ID_LABEL]: jobId }, finalizers: [KUEUE_FINALIZERS.workload] }, spec: { queueName: LOCAL_QUEUE_NAME } });
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "solo", namespace: ns, labels: { [JOB_ID_LABEL]: jobId }, finalizers: [KUEUE_FINALIZERS.pod] }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] }, status: { phase: "Pending" } });

    await t.rollback(jobId);

    expect(api.get("namespaces", "", ns)).toBeUndefined();
    expect(api.get("workloads", ns, workload)).toBeUndefined();
    expect(api.get("pods", ns, "solo")).toBeUndefined();
    // Removed by merge patches, once the namespace controller had marked them for deletion.
    expect(api.requests.some((r) => r.startsWith(`PATCH /apis/${KUEUE_API_VERSION}/namespaces/${ns}/workloads/${workload}`))).toBe(true);
    expect(api.requests.some((r) => r.startsWith(`PATCH /api/v1/namespaces/${ns}/pods/solo`))).toBe(true);
  });

  it("When Kueue was uninstalled (its API no longer served) and left its finalizer on a pod, then teardown still clears it and the namespace goes away", async () => {
    const own = await startKubeApiDouble();
    try {
      const t = new KubernetesTarget(own.kubeConfig(), { isolation, deleteTimeoutMs: 2000, deletePollMs: 20, logger: pino({ level: "silent" }) });
      const jobId = "d2111111-2222-4333-8444-555555555555";
      const ns = namespaceFor(jobId);
      await t.apply(jobId, admitted(jobId, "pi-job.yaml"));
      own.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "solo", namespace: ns, labels: { [JOB_ID_LABEL]: jobId }, finalizers: [KUEUE_FINALIZERS.pod] }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] }, status: { phase: "Pending" } });
      // Uninstalling Kueue deletes its CRDs, and with them their objects (the LocalQueue).
      for (const k of [...own.objects.keys()].filter((k) => k.startsWith(`localqueues/${ns}/`))) own.drop("localqueues", ns, k.split("/")[2]!);
      own.unservedGroups.add("kueue.x-k8s.io");

      await t.rollback(jobId);

      expect(own.get("namespaces", "", ns)).toBeUndefined();
      expect(own.requests.some((r) => r.startsWith(`GET /apis/${KUEUE_API_VERSION}/namespaces/${ns}/workloads`))).toBe(true);
    } finally {
      await own.close();
    }
  });
});

/** Every admitted kind, in one job, placed as admission would place it. */
const EVERY_KIND = `${SELF_REFERRING}${BINDABLE_CLUSTER_ROLES.map(
  (role) => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: runner-${role} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role} }
subjects: [{ kind: ServiceAccount, name: runner }]
`,
).join("")}---
apiVersion: v1
kind: Secret
metadata: { name: creds }
stringData: { token: x }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  selector: { matchLabels: { app: db } }
  template: { metadata: { labels: { app: db } }, spec: { containers: [{ name: db, image: postgres:16 }] } }
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: rs }
spec:
  selector: { matchLabels: { app: rs } }
  template: { metadata: { labels: { app: rs } }, spec: { containers: [{ name: c, image: busybox:1.36 }] } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-from-job }
spec: { podSelector: { matchLabels: { app: web } }, ingress: [{ from: [{ podSelector: {} }] }] }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: web }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }, minReplicas: 1, maxReplicas: 3 }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web }
spec: { minAvailable: 1, selector: { matchLabels: { app: web } } }
`;

describe("the applier's least privilege (issue 18)", () => {
  it("7. When the applier runs a whole job lifecycle, then the calls it makes are exactly the stack's grants marked `applier`, each needed by some call", async () => {
    const own = await startKubeApiDouble();
    const quiet = pino({ level: "silent" });
    const t = new KubernetesTarget(own.kubeConfig(), { isolation, deleteTimeoutMs: 5000, deletePollMs: 20, logReaders: [DOUBLE_USERS.reader.name], logger: quiet });
    const watcher = new WorkloadWatcher(own.kubeConfig(), { logger: quiet, report: async () => undefined });
    try {
      await watcher.start();
      const jobId = "91111111-2222-4333-8444-555555555555";
      const files = ["web-deployment-and-service.yaml", "pi-job.yaml", "hello-cronjob.yaml"].map((f) => readFileSync(path.join(__dirname, "../fixtures/manifests", f), "utf8"));
      const manifests = admittedText(jobId, "all.yaml", [EVERY_KIND, ...files].join("\n---\n"));
      expect(new Set(manifests.map((m) => m.kind)).size).toBe(16);
      for (const m of manifests) if (m.kind === "ConfigMap") (m.metadata as Record<string, unknown>).finalizers = ["example.com/keep-me"];
      await t.apply(jobId, manifests);
      // Kueue makes a Workload for the Job, with its finalizer; while it waits, the watcher asks
      // for its position. The double runs no Kueue, so the rollback clears that finalizer.
      own.put({ apiVersion: KUEUE_API_VERSION, kind: "Workload", metadata: { name: "job-pi", namespace: namespaceFor(jobId), labels: { [JOB_ID_LABEL]: jobId }, finalizers: [KUEUE_FINALIZERS.workload] }, spec: { queueName: LOCAL_QUEUE_NAME }, status: {} });
      await eventually(() => expect(own.authz.some((a) => a.resource === "clusterqueues/pendingworkloads")).toBe(true));
      // The read API's binding was created with no grant of its own (the applier holds its rules there).
      expect(own.get("rolebindings", namespaceFor(jobId), LOG_READER_ACCESS.jobBinding)).toBeDefined();
      const pod = own.get("pods", namespaceFor(jobId), "worker")!;
      own.put({ ...pod, spec: { ...pod.spec, nodeName: "node-1", terminationGracePeriodSeconds: 600 }, status: { phase: "Running" } });
      // As the applier's rollback handler does: the running pods' logs are saved first.
      const saver = new PodLogSaver(own.kubeConfig(), new FsObjectStore(mkdtempSync(path.join(os.tmpdir(), "logs-"))), { logger: quiet });
      expect(await saver.saveJob(jobId)).toBeGreaterThan(0);
      await t.rollback(jobId);
      // A refused job: the dry run, the removal.
      const refused = admittedText("a1111111-2222-4333-8444-555555555555", "r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: {double.test/refuse: no}\n");
      await expect(t.apply("a1111111-2222-4333-8444-555555555555", refused)).rejects.toBeInstanceOf(ApplyRefusedError);
    } finally {
      await watcher.stop();
      await own.close();
    }

    const calls = own.authz.filter((a) => a.user === DOUBLE_USERS.applier.name);
    // Refused checks are the server testing for a shortcut (`escalate`, `bind`), not calls; every call was allowed.
    const made = calls.filter((a) => a.allowed && !a.via?.includes("system:basic-user"));
    expect(calls.filter((a) => !a.allowed && !["escalate", "bind"].includes(a.verb))).toEqual([]);
    const scopeOf = (via: string | undefined) => (via === `ClusterRoleBinding/${APPLIER_ACCESS.clusterRole}` ? "cluster" : via === `RoleBinding/${APPLIER_ACCESS.jobBinding}` ? "job-namespace" : `other (${via})`);
    const grantKey = (g: { scope: string; apiGroup: string; resource: string; verb: string; resourceName?: string }) => `${g.scope} ${g.verb} ${g.resource}${g.apiGroup ? `.${g.apiGroup}` : ""}${g.resourceName ? `/${g.resourceName}` : ""}`;
    const used = new Set<string>();
    for (const a of made) {
      const scope = scopeOf(a.via);
      const grant = APPLIER_GRANTS.find((g) => g.scope === scope && g.apiGroup === a.apiGroup && g.resource === a.resource && g.verb === a.verb && (!g.resourceName || g.resourceName === a.name));
      used.add(grant ? grantKey(grant) : `ungranted: ${scope} ${a.verb} ${a.resource}.${a.apiGroup}/${a.name ?? ""}`);
    }
    const applierGrants = APPLIER_GRANTS.filter((g) => g.use === "applier").map(grantKey);
    expect([...used].sort()).toEqual([...applierGrants].sort());
  });
});

describe("the real-world corpus on the stricter double (issue 18)", () => {
  it.each(readdirSync(path.join(__dirname, "../fixtures/manifests")).map((f, i) => [f, i] as const))("When %s is applied and rolled back, then both succeed", async (file, i) => {
    const jobId = `c${String(i).padStart(7, "0")}-2222-4333-8444-555555555555`;
    const refs = await target.apply(jobId, admitted(jobId, file));
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect([...api.objects.values()].some((o) => o.kind === r.kind && o.metadata.name === r.name && o.metadata.namespace === namespaceFor(jobId))).toBe(true);
    await target.rollback(jobId);
    expect(api.get("namespaces", "", namespaceFor(jobId))).toBeUndefined();
  });
});

describe("watches that end (issue 18)", () => {
  it("When the server ends the workload watches after its timeout, then the watcher resumes and still reports a pod that appears later", async () => {
    const own = await startKubeApiDouble();
    own.watchTimeoutMs = 150;
    const reports: { jobId: string; phase: string }[] = [];
    const watcher = new WorkloadWatcher(own.kubeConfig(), { logger: pino({ level: "silent" }), debounceMs: 10, report: async (jobId, _t, w) => void reports.push({ jobId, phase: w.phase }) });
    try {
      await watcher.start();
      // Several watch timeouts pass: the pods watch has been opened three times.
      const podWatches = () => own.requests.filter((r) => r.startsWith("GET /api/v1/pods?") && r.includes("watch=true"));
      await eventually(() => expect(podWatches().length).toBeGreaterThanOrEqual(3));
      own.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "job-x", labels: { [JOB_ID_LABEL]: "j-late" } }, status: { phase: "Running" } });
      await expect.poll(() => reports.find((r) => r.jobId === "j-late")?.phase, { timeout: 3000 }).toBe("Running");
      // Resumed from the last resourceVersion (client-node 1.4 src/cache.ts doneHandler), not relisted.
      const watches = podWatches();
      expect(watches.slice(1).every((r) => /resourceVersion=\d+/.test(r))).toBe(true);
    } finally {
      await watcher.stop();
      await own.close();
    }
  });
});

describe("the read API's log access, per job namespace", () => {
  const lines = async (l: PodLogs, jobId: string, ref: { pod: string; container: string }) => {
    const stream = await l.open(jobId, ref, { follow: false });
    const out: string[] = [];
    for await (const line of stream.lines) out.push(line);
    return out;
  };

  it("When the applier created a job's namespace, then the reader identity reads its pods' logs there, and is refused (403) in kube-system, across all namespaces and in a job namespace bound for nobody", async () => {
    const jobId = "b1111111-2222-4333-8444-555555555555";
    const ns = namespaceFor(jobId);
    await target.apply(jobId, admitted(jobId, "pi-job.yaml"));
    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "pi-abc", namespace: ns, labels: { [JOB_ID_LABEL]: jobId } }, spec: { containers: [{ name: "pi", image: "busybox" }] }, status: { phase: "Running" } });
    api.podLogs.write(ns, "pi-abc", "pi", "3.14\n");
    const reader = new PodLogs(api.kubeConfig("reader"));
    const containers = await reader.containers(jobId);
    expect(containers).toEqual([{ pod: "pi-abc", container: "pi" }]);
    expect(await lines(reader, jobId, containers[0]!)).toEqual(["3.14"]);
    // Every read it made was allowed by that namespace's binding, nothing cluster-wide.
    const reads = api.authz.filter((a) => a.user === DOUBLE_USERS.reader.name && a.namespace === ns);
    expect(reads.map((a) => `${a.verb} ${a.resource}`).sort()).toEqual(["get pods/log", "list pods"]);
    expect(new Set(reads.map((a) => a.via))).toEqual(new Set([`RoleBinding/${LOG_READER_ACCESS.jobBinding}`]));

    api.put({ apiVersion: "v1", kind: "Pod", metadata: { name: "kube-dns-1", namespace: "kube-system", labels: { [JOB_ID_LABEL]: jobId } }, spec: { containers: [{ name: "dns", image: "dns" }] }, status: { phase: "Running" } });
    api.podLogs.write("kube-system", "kube-dns-1", "dns", "secret-ish\n");
    const core = api.kubeConfig("reader").makeApiClient(k8s.CoreV1Api);
    await expect(core.listNamespacedPod({ namespace: "kube-system" })).rejects.toMatchObject({ code: 403 });
    await expect(core.readNamespacedPod({ namespace: "kube-system", name: "kube-dns-1" })).rejects.toMatchObject({ code: 403 });
    await expect(core.readNamespacedPodLog({ namespace: "kube-system", name: "kube-dns-1", container: "dns" })).rejects.toMatchObject({ code: 403 });
    await expect(core.listPodForAllNamespaces({ labelSelector: JOB_ID_LABEL })).rejects.toMatchObject({ code: 403 });

    // It is the binding that grants: an applier configured with no readers binds nobody.
    const other = "b2111111-2222-4333-8444-555555555555";
    const unbound = new KubernetesTarget(api.kubeConfig(), { isolation, deleteTimeoutMs: 5000, deletePollMs: 20, logger: pino({ level: "silent" }) });
    await unbound.apply(other, admitted(other, "pi-job.yaml"));
    expect(api.get("rolebindings", namespaceFor(other), LOG_READER_ACCESS.jobBinding)).toBeUndefined();
    await expect(reader.containers(other)).rejects.toMatchObject({ code: 403 });
  });

  it("When the job's namespace is rolled back, then its log-reader binding goes with it and the reader may no longer list there", async () => {
    const jobId = "b3111111-2222-4333-8444-555555555555";
    await target.apply(jobId, admitted(jobId, "pi-job.yaml"));
    const reader = new PodLogs(api.kubeConfig("reader"));
    expect(await reader.containers(jobId)).toEqual([]);
    await target.rollback(jobId);
    expect(api.get("rolebindings", namespaceFor(jobId), LOG_READER_ACCESS.jobBinding)).toBeUndefined();
    await expect(reader.containers(jobId)).rejects.toMatchObject({ code: 403 });
  });
});
