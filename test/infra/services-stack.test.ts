import { evaluate } from "@marcbachmann/cel-js";
import { beforeAll, describe, expect, it } from "vitest";
import { LOG_READER_ACCESS, SERVICE_ENV, SERVICE_NAMES, WEBHOOK_SECRET_KEY_BYTES, applierRules, deadLetterPolicy, topology, type ServiceName } from "../../apps/shared/contract";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { testRules } from "../support/promtool";
import { isSecret, named, ofType, runStack, unwrapSecrets } from "./stack-suite";

let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const onCluster = (r: PlannedResource, cluster: string) => r.provider.includes(`::${cluster}-k8s::`);
const release = (name: string) => named(run, name);
/** Unwrap Pulumi secret markers, for reading values (not for the plaintext check). */
const plain = unwrapSecrets;
const INTERNAL = "networking.gke.io/load-balancer-type";

describe("platform services on the right clusters (dev stack, Pulumi mocks)", () => {
  it("puts RabbitMQ, Redis, ECK and kube-prometheus-stack on resources, KEDA and ExternalDNS on management, agents on every cluster", () => {
    for (const n of ["hub-services-redis-operator", "hub-services-eck-operator", "hub-services-kube-prometheus-stack", "hub-services-redis-cluster", "hub-services-eck-stack", "rabbitmq-cluster", "rabbitmq-operator", "hub-services-redis-external"]) {
      expect(onCluster(release(n), "resources"), n).toBe(true);
    }
    for (const n of ["management-addons-keda", "management-addons-external-dns"]) expect(onCluster(release(n), "management"), n).toBe(true);
    for (const v of ["management", "resources", "deployments"]) expect(onCluster(release(`${v}-agents-fluent-bit`), v)).toBe(true);
    expect(onCluster(release("management-agents-prometheus-agent"), "management")).toBe(true);
    expect(run.resources.some((r) => r.name === "resources-agents-prometheus-agent")).toBe(false);
    expect(onCluster(release("deployments-access-role"), "deployments")).toBe(true);
    // Our Deployments: the app on management, the remote-write gateway beside the hub's Prometheus.
    for (const d of ofType(run, "kubernetes:apps/v1:Deployment")) expect(onCluster(d, d.name.startsWith("hub-services-") ? "resources" : "management"), d.name).toBe(true);
    expect(onCluster(named(run, "hub-services-remote-write-deployment"), "resources")).toBe(true);
  });

  it("runs the stateful services highly available", () => {
    const rabbit = inputs(named(run, "rabbitmq-cluster")).spec;
    expect(rabbit.replicas).toBe(3);
    expect(rabbit.rabbitmq.additionalConfig).toContain("default_queue_type = quorum");
    expect(inputs(named(run, "rabbitmq-pdb")).spec.minAvailable).toBe(2);
    const redis = plain(inputs(release("hub-services-redis-cluster")).values);
    expect(redis.redisCluster).toMatchObject({ clusterSize: 3, leader: { pdb: { enabled: true, maxUnavailable: 1 } }, follower: { pdb: { enabled: true, maxUnavailable: 1 } }, image: "quay.io/opstree/redis" });
    // The operator ignores minAvailable when maxUnavailable is set, and the chart always sets it.
    expect(redis.redisCluster.leader.pdb.minAvailable).toBeUndefined();
    const eck = plain(inputs(release("hub-services-eck-stack")).values);
    expect(eck["eck-elasticsearch"].nodeSets[0].count).toBe(3);
    expect(eck["eck-kibana"].enabled).toBe(true);
    expect(eck["eck-logstash"].enabled).toBe(true);
  });

  it("When the broker is created, then a Job sets the contract's dead-letter policy through its management API, after the cluster, with credentials from the Secret", () => {
    const job = named(run, "rabbitmq-dead-letter-policy");
    expect(onCluster(job, "resources")).toBe(true);
    expect(job.dependsOn).toEqual(expect.arrayContaining([expect.stringContaining("rabbitmq-cluster")]));
    const c = inputs(job).spec.template.spec.containers[0];
    const env = Object.fromEntries((c.env as { name: string; value?: string; valueFrom?: unknown }[]).map((e) => [e.name, e.value ?? e.valueFrom]));
    const { name, ...body } = deadLetterPolicy();
    expect(JSON.parse(env.POLICY as string)).toEqual(body);
    expect(env.URL).toBe(`http://rabbitmq.messaging.svc:15672/api/policies/%2F/${name}`);
    expect(env.RABBITMQ_PASS).toMatchObject({ secretKeyRef: { key: "password" } });
    expect(c.command.join(" ")).toContain('-X PUT');
  });

  it("limits ExternalDNS to the stack's Cloud DNS zone by a flag, since the chart has no value for it", () => {
    // external-dns@external-dns-helm-chart-1.19.0: no zone filter in values.yaml; the flag
    // matches the zone's name (provider/google/google.go@v0.19.0).
    const values = plain(inputs(release("management-addons-external-dns")).values);
    expect(values.extraArgs).toContain("--zone-id-filter=example-com");
    expect(values.zoneIdFilters).toBeUndefined();
  });

  it("runs one hub Prometheus: remote write through one Service would split every series between replicas", () => {
    expect(plain(inputs(release("hub-services-kube-prometheus-stack")).values).prometheus.prometheusSpec).toMatchObject({ replicas: 1, enableRemoteWriteReceiver: true });
  });

  it("exposes cross-VPC services only through internal load balancers on reserved addresses", () => {
    const annotationsOf = [
      inputs(named(run, "rabbitmq-cluster")).spec.service.annotations,
      inputs(named(run, "hub-services-redis-external")).metadata.annotations,
      plain(inputs(release("hub-services-eck-stack")).values)["eck-logstash"].services[0].service.metadata.annotations,
      plain(inputs(named(run, "hub-services-remote-write-service")).metadata.annotations),
    ];
    for (const a of annotationsOf) {
      expect(a[INTERNAL]).toBe("Internal");
      expect(a["networking.gke.io/load-balancer-ip-addresses"]).toMatch(/^hub-/);
    }
    for (const addr of ofType(run, "gcp:compute/address:Address")) expect(inputs(addr).addressType).toBe("INTERNAL");
    // Prometheus itself stays ClusterIP (the chart's default): other clusters reach only the gateway.
    expect(plain(inputs(release("hub-services-kube-prometheus-stack")).values).prometheus.service.type).toBeUndefined();
    // Elasticsearch has no load balancer: only Logstash and Kibana, both in the hub, use it.
    expect(plain(inputs(release("hub-services-eck-stack")).values)["eck-elasticsearch"].http).toBeUndefined();
  });
});

describe("one component per concern", () => {
  it.each([
    ["platform:services:RedisCluster", ["hub-services-redis-operator", "hub-services-redis-auth", "hub-services-redis-cluster", "hub-services-redis-external"]],
    ["platform:services:ElasticStack", ["hub-services-eck-operator", "hub-services-eck-ns", "hub-services-eck-stack"]],
    ["platform:services:HubMonitoring", ["hub-services-kube-prometheus-stack"]],
    ["platform:services:RabbitMq", ["rabbitmq-cluster", "rabbitmq-podmonitor"]],
    ["platform:app:AppConfig", ["app-secret", "app-deployments-kubeconfig"]],
    ["platform:app:AppAutoscaling", ["app-rabbitmq-auth", "app-yaml-manager-scaler", "app-entrypoint-hpa"]],
    ["platform:app:ApiGateway", ["app-gateway", "app-route", "app-healthcheck"]],
  ])("builds %s as a component that owns its children", (type, children) => {
    const components = ofType(run, type);
    expect(components).toHaveLength(1);
    for (const c of children) expect(named(run, c).parent, c).toBe(components[0]!.urn);
  });
});

describe("the Management App from the shared contract", () => {
  const deployment = (svc: ServiceName) => inputs(named(run, `app-${svc}-deployment`));

  it.each(SERVICE_NAMES)("gives %s exactly its schema's variables, values its own schema accepts", (svc) => {
    const container = deployment(svc).spec.template.spec.containers[0];
    const env = container.env as { name: string; value?: string; valueFrom?: unknown }[];
    const schemaKeys = Object.keys((SERVICE_ENV[svc] as unknown as { shape: object }).shape);
    expect(schemaKeys.length).toBeGreaterThan(5);
    for (const e of env) expect(schemaKeys, e.name).toContain(e.name);
    // Secret-sourced values are replaced by well-formed stand-ins; everything must parse.
    const stand: Record<string, string> = { AMQP_URL: "amqp://u:p@10.0.0.1:5672", REDIS_URL: "redis://:p@10.0.0.2:6379", WEBHOOK_SECRET_KEY: Buffer.alloc(WEBHOOK_SECRET_KEY_BYTES).toString("base64") };
    const raw = Object.fromEntries(env.map((e) => [e.name, e.valueFrom ? stand[e.name] : String(plain(e.value))]));
    const parsed = SERVICE_ENV[svc].safeParse(raw);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(env.find((e) => e.name === "AMQP_URL")?.valueFrom).toBeDefined();
  });

  it.each(SERVICE_NAMES)("runs %s with probes, resources, a restricted security context and graceful shutdown", (svc) => {
    const pod = deployment(svc).spec.template.spec;
    const c = pod.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080 }]);
    expect(c.resources.requests).toBeDefined();
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(c.image).toBe("europe-west1-docker.pkg.dev/my-gcp-project/platform/management-app:0.1.0");
    expect(named(run, `app-${svc}-pdb`)).toBeDefined();
    expect(named(run, `app-${svc}-netpol`)).toBeDefined();
  });

  it("binds each service to its own Google identity by Workload Identity, with bucket access only where storage is used", () => {
    for (const svc of SERVICE_NAMES) {
      expect(inputs(named(run, `app-identity-${svc}-wi`))).toMatchObject({ role: "roles/iam.workloadIdentityUser", member: `serviceAccount:my-gcp-project.svc.id.goog[management-app/${svc}]` });
      expect(inputs(named(run, `app-${svc}-sa`)).metadata.annotations["iam.gke.io/gcp-service-account"]).toBe(`app-${svc}-dev@offline.iam.gserviceaccount.com`);
    }
    const bucketUsers = ofType(run, "gcp:storage/bucketIAMMember:BucketIAMMember").map((r) => inputs(r).member).sort();
    // The status worker records events only: no bucket, no cluster access.
    expect(bucketUsers).toEqual(["entrypoint", "yaml-manager", "cluster-applier"].map((s) => `serviceAccount:app-${s}-dev@offline.iam.gserviceaccount.com`).sort());
    const projectRoles = ofType(run, "gcp:projects/iAMMember:IAMMember").filter((r) => r.name.startsWith("app-")).map((r) => `${inputs(r).role} ${inputs(r).member}`);
    // The applier, and the API's log reader (the entrypoint): they connect to the deployments cluster (RBAC decides the rest).
    expect(projectRoles.sort()).toEqual(["cluster-applier", "entrypoint"].map((s) => `roles/container.clusterViewer serviceAccount:app-${s}-dev@offline.iam.gserviceaccount.com`));
  });

  it("keeps job files in a private bucket with uniform access and an expiry", () => {
    const bucket = inputs(named(run, "app-jobs"));
    expect(bucket).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", forceDestroy: true });
    expect(bucket.lifecycleRules).toEqual([{ action: { type: "Delete" }, condition: { age: 14 } }]);
  });

  it("scales the workers on their own queue with KEDA and the entrypoint on CPU", () => {
    const t = topology("cp");
    for (const svc of ["yaml-manager", "cluster-applier", "status-worker"] as const) {
      const so = inputs(named(run, `app-${svc}-scaler`));
      expect(so.spec.triggers[0]).toMatchObject({ type: "rabbitmq", metadata: { queueName: t.queue(svc) } });
    }
    expect(inputs(named(run, "app-entrypoint-hpa")).spec.metrics[0].resource.name).toBe("cpu");
  });

  it("routes the API by path to the entrypoint, which serves reads and writes, through the GKE Gateway", () => {
    const rules = inputs(named(run, "app-route")).spec.rules as { matches: { method?: string; path: { type: string; value: string } }[]; backendRefs: { name: string; port: number }[] }[];
    expect(rules.flatMap((r) => r.matches.map((m) => `${m.path.type} ${m.path.value}`)).sort()).toEqual(["Exact /", "PathPrefix /admin", "PathPrefix /console", "PathPrefix /events", "PathPrefix /jobs", "PathPrefix /queues", "PathPrefix /usage", "PathPrefix /webhooks", "PathPrefix /yaml"]);
    expect(rules.flatMap((r) => r.backendRefs.map((b) => b.name))).toEqual(["entrypoint"]);
    const gateway = inputs(named(run, "app-gateway"));
    expect(gateway.spec.gatewayClassName).toBe("gke-l7-global-external-managed");
    // HTTPS only, with a Google-managed certificate for the API's hostname.
    expect(gateway.spec.listeners).toEqual([{ name: "https", protocol: "HTTPS", port: 443, hostname: "jobs.example.com" }]);
    expect(gateway.metadata.annotations["networking.gke.io/certmap"]).toBeDefined();
    expect(inputs(named(run, "app-tls-cert")).managed.domains).toEqual(["jobs.example.com"]);
  });

  it("never puts a generated secret in plain text into any resource input", () => {
    const leaks: string[] = [];
    const walk = (v: unknown, where: string) => {
      if (isSecret(v)) return; // encrypted in state, redacted in previews
      if (typeof v === "string" && v.includes("offline-secret-")) leaks.push(where);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    };
    for (const r of run.resources) if (r.type !== "random:index/randomPassword:RandomPassword") walk(r.inputs, r.name);
    expect(leaks).toEqual([]);
    // And the places that carry them do carry them, as secrets.
    expect(isSecret(inputs(named(run, "app-secret")).stringData.AMQP_URL) || isSecret(inputs(named(run, "app-secret")).stringData)).toBe(true);
  });

  it("When the stack is built, then it generates one key for webhook secrets at rest, kept only as a secret in the app's Secret, and gives it to the entrypoint and the status worker alone", () => {
    const keys = ofType(run, "random:index/randomBytes:RandomBytes");
    expect(keys.map((k) => k.name)).toEqual(["app-webhook-secret-key"]);
    expect(inputs(keys[0]!).length).toBe(WEBHOOK_SECRET_KEY_BYTES);
    expect(keys[0]!.parent).toBe(ofType(run, "platform:app:ManagementApp")[0]!.urn);
    const stringData = inputs(named(run, "app-secret")).stringData;
    expect(isSecret(stringData) || isSecret(stringData.WEBHOOK_SECRET_KEY)).toBe(true);
    expect(plain(stringData).WEBHOOK_SECRET_KEY).toBe("offline-secret-app-webhook-secret-key");
    const holders = SERVICE_NAMES.filter((svc) => {
      const env = inputs(named(run, `app-${svc}-deployment`)).spec.template.spec.containers[0].env as { name: string; value?: unknown; valueFrom?: any }[];
      const e = env.find((x) => x.name === "WEBHOOK_SECRET_KEY");
      if (!e) return false;
      // From the Secret, by reference: never a value written into the Deployment.
      expect(e.value, svc).toBeUndefined();
      expect(e.valueFrom.secretKeyRef, svc).toMatchObject({ key: "WEBHOOK_SECRET_KEY", name: plain(inputs(named(run, "app-secret")).metadata.name) });
      return true;
    });
    expect(holders.sort()).toEqual(["entrypoint", "status-worker"]);
  });

  it("the applier's job-namespace policy, evaluated as CEL, denies its writes outside job namespaces and leaves everyone else alone", () => {
    // Semantics as documented (kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/):
    // the policy applies when every matchCondition is true; a validation that is false denies.
    const spec = inputs(named(run, "deployments-access-job-namespaces-only")).spec as { matchConditions: { expression: string }[]; validations: { expression: string }[] };
    const req = (username: string, namespace: string) => ({ request: { operation: "CREATE", namespace, userInfo: { username, groups: ["system:authenticated"] } } });
    const applies = (r: object) => spec.matchConditions.every((c) => evaluate(c.expression, r) === true);
    const allowed = (r: object) => spec.validations.every((v) => evaluate(v.expression, r) === true);
    const applier = "app-cluster-applier-dev@offline.iam.gserviceaccount.com";
    expect(applies(req(applier, "job-0d7c3c4e-1111-2222-3333-444455556666"))).toBe(true);
    expect(allowed(req(applier, "job-0d7c3c4e-1111-2222-3333-444455556666"))).toBe(true);
    expect(allowed(req(applier, "kube-system"))).toBe(false);
    expect(allowed(req(applier, "default"))).toBe(false);
    expect(applies(req("system:serviceaccount:kube-system:replicaset-controller", "kube-system"))).toBe(false);
  });

  it("lets the applier manage only namespaces cluster-wide, and the admitted kinds only through the role it binds in job namespaces", () => {
    // The same rules the applier's least-privilege test checks call by call (test/apps/kubernetes-target.test.ts).
    expect(inputs(named(run, "deployments-access-role")).rules).toEqual(applierRules("cluster"));
    expect(inputs(named(run, "deployments-access-job-role")).rules).toEqual(applierRules("job-namespace"));
    const rules = inputs(named(run, "deployments-access-role")).rules as { resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    const resources = rules.flatMap((r) => r.resources);
    expect(resources).toContain("namespaces");
    for (const forbidden of ["secrets", "configmaps", "nodes", "clusterrolebindings", "customresourcedefinitions", "persistentvolumes", "daemonsets"]) expect(resources).not.toContain(forbidden);
    // Cluster-wide, pods are only listed and watched; rolebindings and clusterroles only under fixed names.
    expect(rules.filter((r) => r.resources.includes("pods")).flatMap((r) => r.verbs).sort()).toEqual(["list", "watch"]);
    for (const r of rules.filter((x) => x.resources.includes("rolebindings") || x.resources.includes("clusterroles"))) expect(r.resourceNames).toHaveLength(1);
    // What RBAC cannot say: the applier's namespaced writes only in job namespaces (admission policy, Deny).
    const policy = inputs(named(run, "deployments-access-job-namespaces-only"));
    expect(onCluster(named(run, "deployments-access-job-namespaces-only"), "deployments")).toBe(true);
    expect(policy.spec.matchConditions[0].expression).toBe("request.userInfo.username == 'app-cluster-applier-dev@offline.iam.gserviceaccount.com'");
    expect(policy.spec.validations[0].expression).toBe("request.namespace.startsWith('job-')");
    expect(inputs(named(run, "deployments-access-job-namespaces-only-binding")).spec).toMatchObject({ policyName: policy.metadata.name, validationActions: ["Deny"] });
    expect(inputs(named(run, "deployments-access-binding")).subjects[0]).toMatchObject({ kind: "User", name: "app-cluster-applier-dev@offline.iam.gserviceaccount.com" });
    // Saving logs: only in job namespaces, through the role the applier binds there.
    expect(rules.some((r) => r.resources.includes("pods/log"))).toBe(false);
    const jobRules = inputs(named(run, "deployments-access-job-role")).rules as { resources: string[]; verbs: string[] }[];
    expect(jobRules.find((r) => r.resources.includes("pods/log"))).toMatchObject({ verbs: ["get"] });
  });

  it("When the API's log reader (the entrypoint) is set up, then their log access is a ClusterRole bound by no ClusterRoleBinding, and the applier is told whom to bind it to in each job namespace", () => {
    const rules = inputs(named(run, "deployments-access-log-reader")).rules as { resources: string[]; verbs: string[] }[];
    expect(rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    ]);
    // Cluster-wide it would reach every pod's logs, kube-system's included.
    const clusterBindings = ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    expect(clusterBindings.length).toBeGreaterThan(0);
    for (const b of clusterBindings) expect(inputs(b).roleRef.name, b.name).not.toBe(LOG_READER_ACCESS.clusterRole);
    const env = (inputs(named(run, "app-cluster-applier-deployment")).spec.template.spec.containers[0].env as { name: string; value?: string }[]).find((e) => e.name === "LOG_READER_USERS");
    expect(SERVICE_ENV["cluster-applier"].shape.LOG_READER_USERS.parse(plain(env?.value))).toEqual(["app-entrypoint-dev@offline.iam.gserviceaccount.com"]);
  });
});

describe("the pipeline's alert rules, evaluated by the real promtool", () => {
  type Rule = { alert?: string; annotations?: Record<string, string> };
  const groups = () => plain(inputs(named(run, "app-observability-rules"))).spec.groups as { rules: Rule[] }[];
  const rule = (alert: string) => groups().flatMap((g) => g.rules).find((r) => r.alert === alert);

  it("When Redis calls keep timing out for 5 minutes, then RedisCommandsTimingOut fires for that client, not for one whose count stays flat, and stops when they stop", () => {
    const description = rule("RedisCommandsTimingOut")?.annotations?.description ?? "";
    expect(description).toMatch(/REDIS_COMMAND_TIMEOUT_MS/);
    // promtool compares labels and annotations exactly: the summary is checked as rendered.
    const firing = (client: string) => ({
      exp_labels: { severity: "warning", client },
      exp_annotations: { summary: `Redis calls of ${client} time out (1 per second): Redis is connected but not answering`, description },
    });
    const result = testRules(groups(), [
      {
        name: "one client times out, another's count is not zero but does not grow",
        interval: "1m",
        input_series: [
          // One timeout a second on the job store's connections, from two pods together.
          { series: 'redis_command_timeouts_total{client="job_store",pod="entrypoint-a"}', values: "0+30x30" },
          { series: 'redis_command_timeouts_total{client="job_store",pod="status-worker-a"}', values: "0+30x30" },
          { series: 'redis_command_timeouts_total{client="rate_limiter",pod="entrypoint-a"}', values: "7x30" },
        ],
        alert_rule_test: [
          // Timing out for 4 minutes: pending, not firing (for: 5m).
          { eval_time: "4m", alertname: "RedisCommandsTimingOut", exp_alerts: [] },
          { eval_time: "10m", alertname: "RedisCommandsTimingOut", exp_alerts: [firing("job_store")] },
        ],
      },
      {
        name: "timeouts stop",
        interval: "1m",
        input_series: [{ series: 'redis_command_timeouts_total{client="event_tail"}', values: "0+60x10 600x30" }],
        alert_rule_test: [
          { eval_time: "10m", alertname: "RedisCommandsTimingOut", exp_alerts: [firing("event_tail")] },
          // Past the 5-minute window after the last timeout the rate is zero again.
          { eval_time: "20m", alertname: "RedisCommandsTimingOut", exp_alerts: [] },
        ],
      },
    ]);
    expect(result.ok, result.output).toBe(true);
  });
});
