import { beforeAll, describe, expect, it, vi } from "vitest";
import { PATHS, PORTS, STORAGE_PERMISSIONS } from "../../apps/shared/contract";
import { WAIT_FOR_LEFTOVERS } from "../../infra/cluster/gke-leftovers";
import { STORAGE_ROLE, missingStoragePermissions } from "../../infra/management-app/storage-role";
import { LOG_RETENTION_POLICIES, LOG_STREAM_PREFIX } from "../../infra/platform-services/logstash-pipeline";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { named, ofType, runStack, unwrapSecrets } from "./stack-suite";

/**
 * Each test states a rule of a system we do not own, cites where it is written (at the
 * version we pin), and checks the mocked run of the real program against it.
 */
let dev: OfflineRun;
let prod: OfflineRun;
beforeAll(async () => {
  dev = await runStack("dev");
  // The program registers its resources when imported: import it afresh for the second stack.
  vi.resetModules();
  prod = await runStack("prod");
});

const inputs = (r: PlannedResource) => unwrapSecrets(r.inputs) as Record<string, any>;
const clusterOf = (r: PlannedResource) => /::(\w+)-k8s::/.exec(r.provider)?.[1];
const isZone = (loc: string) => /-[a-z]$/.test(loc);
const releases = (run: OfflineRun) => ofType(run, "kubernetes:helm.sh/v3:Release");
const charts = (run: OfflineRun) => ofType(run, "kubernetes:helm.sh/v4:Chart");
/** `[SECTION]` blocks of a Fluent Bit classic config, as { section, Name }. */
const sections = (conf: string) =>
  conf.split(/^\[/m).slice(1).map((block) => ({ section: block.slice(0, block.indexOf("]")), name: /^\s*Name\s+(\S+)/im.exec(block)?.[1], body: block }));

// fluent/fluent-bit@v4.1.0:cmake/plugins_options.cmake (FLB_OUT_*, FLB_FILTER_*), the
// Fluent Bit of the fluent-bit chart 0.54.0 (appVersion 4.1.0).
const FLUENT_BIT_OUTPUTS = new Set(
  "azure azure_blob azure_kusto azure_logs_ingestion bigquery calyptia chronicle cloudwatch_logs counter datadog es exit file flowcounter forward gelf http influxdb kafka kafka_rest kinesis_firehose kinesis_streams lib logdna loki nats nrlogs null opensearch opentelemetry oracle_log_analytics pgsql plot prometheus_exporter prometheus_remote_write retry s3 skywalking slack splunk stackdriver stdout syslog tcp td udp vivo_exporter websocket".split(" "),
);
const FLUENT_BIT_FILTERS = new Set(
  "alter_size aws checklist ecs expect geoip2 grep kubernetes log_to_metrics lua modify multiline nest nightfall parser record_modifier rewrite_tag stdout sysinfo tensorflow throttle throttle_size type_converter wasm".split(" "),
);

describe.each([
  ["dev", () => dev],
  ["prod", () => prod],
] as const)("%s stack against upstream rules", (_stack, getRun) => {
  it("1. never lists a zonal cluster's own zone in its nodeLocations (terraform-provider-google refuses on create)", () => {
    // hashicorp/terraform-provider-google@v7.45.0:google/services/container/resource_container_cluster.go:
    // "when using a multi-zonal cluster, node_locations should not contain the original 'zone'".
    for (const c of ofType(getRun(), "gcp:container/cluster:Cluster")) {
      const i = inputs(c);
      if (isZone(i.location)) expect(i.nodeLocations ?? [], c.name).not.toContain(i.location);
    }
  });

  it("2. gives Fluent Bit only plugins it has, each in its own kind of section (an unknown output aborts it)", () => {
    for (const r of releases(getRun()).filter((x) => x.name.endsWith("-fluent-bit"))) {
      const config = inputs(r).values.config;
      for (const s of sections(config.outputs)) expect(FLUENT_BIT_OUTPUTS.has(String(s.name).toLowerCase()), `${r.name}: output ${s.name}`).toBe(true);
      for (const s of sections(config.filters)) expect(FLUENT_BIT_FILTERS.has(String(s.name).toLowerCase()), `${r.name}: filter ${s.name}`).toBe(true);
      expect(sections(config.filters).some((s) => s.name === "modify" && /Set\s+platform_cluster\s+\w+/.test(s.body))).toBe(true);
    }
  });

  it("3. ships logs end to end: Fluent Bit http → Logstash http input → ECK Elasticsearch with ECK's credentials, into streams an ILM policy expires", () => {
    const run = getRun();
    const logstash = inputs(named(run, "hub-services-eck-stack")).values["eck-logstash"];
    // ECK without `pipelines` runs the image's default pipeline (beats in, stdout out).
    expect(logstash.pipelines).toHaveLength(1);
    const pipeline: string = logstash.pipelines[0]["config.string"];
    const inputPort = Number(/http\s*{[^}]*port\s*=>\s*(\d+)/.exec(pipeline)?.[1]);
    expect(inputPort).toBe(PORTS.logstashHttp);
    // The Service in front of Logstash forwards to that port, on the reserved address.
    const svc = logstash.services.find((s: any) => s.service.metadata.annotations["networking.gke.io/load-balancer-ip-addresses"]);
    expect(svc.service.spec.ports).toEqual([expect.objectContaining({ port: inputPort, targetPort: inputPort })]);
    // Every Fluent Bit posts JSON to that port.
    for (const r of releases(run).filter((x) => x.name.endsWith("-fluent-bit"))) {
      const out = sections(inputs(r).values.config.outputs);
      expect(out.map((s) => s.name)).toEqual(["http"]);
      expect(out[0]!.body).toMatch(new RegExp(`Port\\s+${inputPort}\\b`));
      expect(out[0]!.body).toMatch(/Format\s+json/);
      expect(out[0]!.body).toMatch(/Json_Date_Key\s+@timestamp/);
    }
    // elastic/cloud-on-k8s@v3.2.0:pkg/controller/logstash/env.go: a reference with clusterName X
    // gives X_ES_HOSTS, X_ES_USER, X_ES_PASSWORD (from ECK's Secret), X_ES_SSL_CERTIFICATE_AUTHORITY
    // (X upper-cased, '-' → '_'). The output must use exactly those.
    expect(logstash.elasticsearchRefs).toEqual([{ name: "elasticsearch", clusterName: expect.any(String) }]);
    const env = logstash.elasticsearchRefs[0].clusterName.toUpperCase().replace(/-/g, "_");
    for (const v of ["HOSTS", "USER", "PASSWORD", "SSL_CERTIFICATE_AUTHORITY"]) expect(pipeline).toContain(`\${${env}_ES_${v}}`);
    expect(inputs(named(run, "hub-services-eck-stack")).values["eck-elasticsearch"].fullnameOverride ?? "elasticsearch").toBe("elasticsearch");
    // The ECK Logstash user may write logs-* (pkg/controller/elasticsearch/user/roles.go); data
    // streams take `create`; the template (installed by Logstash) puts the streams under a
    // built-in ILM policy that deletes (elastic/elasticsearch StackTemplateRegistry, N-days@lifecycle).
    expect(pipeline).toContain(`index => "${LOG_STREAM_PREFIX}%{[@metadata][stream]}"`);
    expect(LOG_STREAM_PREFIX.startsWith("logs-")).toBe(true);
    expect(pipeline).toMatch(/action => "create"/);
    const template = JSON.parse(inputs(named(run, "hub-services-eck-logs-template")).data["logs-platform.json"]);
    expect(template.index_patterns).toEqual([`${LOG_STREAM_PREFIX}*`]);
    expect(template.priority).toBeGreaterThan(100);
    expect(Object.values(LOG_RETENTION_POLICIES)).toContain(template.template.settings["index.lifecycle.name"]);
    const templatePath = /template => "([^"]+)"/.exec(pipeline)![1]!;
    const mount = logstash.podTemplate.spec.containers[0].volumeMounts[0];
    expect(templatePath.startsWith(`${mount.mountPath}/`)).toBe(true);
  });

  it("4. puts Redis' reserved address on exactly one Service (the chart renders leader and follower Services from one externalService block)", () => {
    // OT-CONTAINER-KIT/redis-operator@v0.22.2:charts/redis-cluster/templates/{leader,follower}-service.yaml
    const run = getRun();
    const redisAddress = inputs(named(run, "hub-redis")).name ?? "hub-redis";
    const values = inputs(named(run, "hub-services-redis-cluster")).values;
    expect(values.externalService?.enabled ?? false).toBe(false);
    const holders = run.resources.filter((r) => r.type === "kubernetes:core/v1:Service" && inputs(r).metadata?.annotations?.["networking.gke.io/load-balancer-ip-addresses"] === redisAddress);
    expect(holders.map((h) => h.name)).toEqual(["hub-services-redis-external"]);
    // Same selector as the chart's leader Service.
    expect(inputs(holders[0]!).spec.selector).toEqual({ app: "redis-cluster-leader", redis_setup_type: "cluster", role: "leader" });
    expect(values.redisCluster.name).toBe("redis-cluster");
  });

  it("5. creates Workload Identity bindings only after a cluster has created the identity pool", () => {
    // https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity: PROJECT.svc.id.goog
    // exists once a cluster with Workload Identity does ("Identity Pool does not exist" before).
    const run = getRun();
    const clusters = new Set(ofType(run, "gcp:container/cluster:Cluster").map((c) => c.urn));
    const bindings = run.resources.filter((r) => inputs(r).role === "roles/iam.workloadIdentityUser");
    expect(bindings.length).toBeGreaterThanOrEqual(5);
    for (const b of bindings) expect(b.dependsOn.some((d) => clusters.has(d)), b.name).toBe(true);
  });

  it("6. orders every Prometheus Operator object after the release that installs its CRDs on the same cluster", () => {
    // Charts that create ServiceMonitors do not check the CRD exists (kedacore/charts keda
    // templates/servicemonitor.yaml, redis-cluster templates/leader-sm.yaml).
    const run = getRun();
    const crdReleases = releases(run).filter((r) => inputs(r).chart === "kube-prometheus-stack");
    const crdsOn = (cluster: string | undefined) => crdReleases.filter((r) => clusterOf(r) === cluster).map((r) => r.urn);
    const users = [
      ...run.resources.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/")),
      ...[...releases(run), ...charts(run)].filter((r) => JSON.stringify(inputs(r).values ?? {}).match(/"serviceMonitor":\{[^}]*"enabled":true/)),
    ];
    expect(users.map((u) => u.name)).toEqual(expect.arrayContaining(["management-addons-keda", "hub-services-redis-cluster", "app-observability-servicemonitor", "app-observability-rules", "rabbitmq-podmonitor"]));
    for (const u of users) {
      const crds = crdsOn(clusterOf(u));
      expect(crds, `${u.name}: no CRD release on its cluster`).toHaveLength(1);
      expect(u.dependsOn, u.name).toContain(crds[0]);
    }
  });

  it("7. puts alert rules and the dashboard where a full Prometheus and Grafana run, and scrapes RabbitMQ's queue metrics they read", () => {
    // prometheus-operator Documentation/platform/prometheus-agent.md: an agent evaluates no rules.
    const run = getRun();
    const full = releases(run).filter((r) => inputs(r).chart === "kube-prometheus-stack" && !inputs(r).values.prometheus?.agentMode);
    const fullClusters = new Set(full.filter((r) => inputs(r).values.grafana?.enabled !== false).map(clusterOf));
    expect(fullClusters).toEqual(new Set(["resources"]));
    for (const r of ofType(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")) expect(fullClusters.has(clusterOf(r)), r.name).toBe(true);
    expect(clusterOf(named(run, "app-observability-dashboard"))).toBe("resources");
    // rabbitmq_detailed_queue_messages_ready comes from /metrics/detailed?family=queue_coarse_metrics
    // (https://www.rabbitmq.com/docs/prometheus, per-object metrics).
    const rules = JSON.stringify(inputs(named(run, "app-observability-rules")).spec);
    expect(rules).toContain("rabbitmq_detailed_queue_messages_ready");
    const pm = named(run, "rabbitmq-podmonitor");
    expect(clusterOf(pm)).toBe("resources");
    expect(inputs(pm).spec.podMetricsEndpoints).toContainEqual(expect.objectContaining({ path: "/metrics/detailed", params: { family: ["queue_coarse_metrics"] } }));
    // KEDA's rabbitmq trigger asks the broker itself (https://keda.sh/docs/latest/scalers/rabbitmq-queue/):
    // it needs `host` (an AMQP URL with credentials) from a Secret in the ScaledObject's namespace,
    // and the management cluster must reach the broker's port on the hub.
    const auth = inputs(named(run, "app-rabbitmq-auth")).spec.secretTargetRef[0];
    expect(auth).toMatchObject({ parameter: "host", key: "AMQP_URL" });
    const secret = inputs(named(run, "app-secret"));
    expect(secret.metadata.name).toBe(auth.name);
    expect(secret.stringData.AMQP_URL).toMatch(new RegExp(`^amqp://[^:]+:[^@]+@[\\d.]+:${PORTS.amqp}$`));
    for (const so of ofType(run, "kubernetes:keda.sh/v1alpha1:ScaledObject")) expect(inputs(so).metadata.namespace).toBe(secret.metadata.namespace);
    const toBroker = inputs(named(run, "resources-fw-to-rabbitmq"));
    expect(toBroker.allows[0].ports).toEqual([String(PORTS.amqp)]);
    expect(toBroker.sourceRanges).toEqual([(run.outputs.cidrPlan as Record<string, { pods: string }>).management!.pods]);
  });

  it("8. health-checks every Gateway backend on the app's readiness path, not GKE's default GET /", () => {
    // https://cloud.google.com/kubernetes-engine/docs/how-to/configure-gateway-resources#configure_health_check
    const run = getRun();
    const backends = ofType(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").flatMap((r) => inputs(r).spec.rules.flatMap((x: any) => x.backendRefs.map((b: any) => b.name)));
    const policies = ofType(run, "kubernetes:networking.gke.io/v1:HealthCheckPolicy").map(inputs);
    expect(backends.length).toBeGreaterThan(0);
    for (const b of backends) {
      const p = policies.find((x) => x.spec.targetRef.kind === "Service" && x.spec.targetRef.name === b);
      expect(p, b).toBeDefined();
      expect(p!.spec.default.config.httpHealthCheck.requestPath).toBe(PATHS.ready);
    }
  });

  it("9. creates the namespace eck-stack renders into (helm.v4.Chart creates none, the chart has no Namespace)", () => {
    // pulumi/pulumi-kubernetes@v4.32.0:provider/pkg/helm/tool.go (addInstallFlags sets
    // CreateNamespace = false for the rendering that helm.v4.Chart uses; same at the newest snapshot);
    // elastic/cloud-on-k8s@v3.2.0:deploy/eck-stack has no Namespace template.
    const run = getRun();
    for (const chart of charts(run)) {
      const ns = inputs(chart).namespace;
      const nsResource = run.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && inputs(r).metadata.name === ns && clusterOf(r) === clusterOf(chart));
      const release = releases(run).find((r) => inputs(r).namespace === ns && inputs(r).createNamespace && clusterOf(r) === clusterOf(chart));
      const creator = nsResource ?? release;
      expect(creator, `${chart.name} renders into ${ns}, which nothing creates`).toBeDefined();
      expect(chart.dependsOn, chart.name).toContain(creator!.urn);
    }
  });

  it("10. grants the job store a role that holds every permission it uses (objectUser has no storage.buckets.get)", () => {
    // https://cloud.google.com/storage/docs/access-control/iam-roles (Storage Object User).
    expect(missingStoragePermissions()).toEqual([]);
    expect(missingStoragePermissions()).not.toContain("storage.buckets.get");
    expect(STORAGE_PERMISSIONS).not.toContain("storage.buckets.get");
    for (const g of ofType(getRun(), "gcp:storage/bucketIAMMember:BucketIAMMember")) expect(inputs(g).role).toBe(STORAGE_ROLE);
  });

  it("11. routes without HTTPRoute method matches (unsupported by GKE's Gateway classes)", () => {
    // kubernetes-sigs/gateway-api conformance reports for GKE: HTTPRouteMethodMatching unsupported.
    for (const r of ofType(getRun(), "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")) {
      for (const rule of inputs(r).spec.rules) for (const m of rule.matches ?? []) expect(m.method, r.name).toBeUndefined();
    }
  });

  it("12. leaves spec.replicas of autoscaled Deployments to the autoscaler (server-side apply would conflict)", () => {
    // pulumi/pulumi-kubernetes issues 2491, 2569; kubernetes.io HPA docs (migrating to autoscaling).
    const run = getRun();
    const targets = new Set([
      ...ofType(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map((h) => inputs(h).spec.scaleTargetRef.name),
      ...ofType(run, "kubernetes:keda.sh/v1alpha1:ScaledObject").map((s) => inputs(s).spec.scaleTargetRef.name),
    ]);
    const deployments = ofType(run, "kubernetes:apps/v1:Deployment").filter((d) => targets.has(inputs(d).metadata.name));
    expect(deployments).toHaveLength(4);
    for (const d of deployments) expect(inputs(d).spec.replicas, d.name).toBeUndefined();
  });

  it("13. on destroy, waits for GKE's own load-balancer leftovers after the Kubernetes objects and before cluster, addresses and network", () => {
    // hashicorp/terraform-provider-google issue 7637 (resourceInUseByAnotherResource).
    const run = getRun();
    for (const v of ["management", "resources", "deployments"]) {
      const gate = named(run, `${v}-leftovers-gate`);
      expect(named(run, `${v}-k8s`).dependsOn).toContain(gate.urn);
      expect(gate.dependsOn).toEqual(expect.arrayContaining([named(run, `${v}-gke`).urn, named(run, `${v}-pool`).urn]));
      expect(inputs(gate).environment.NETWORK).toBe(`${v}-net`);
      expect(inputs(gate).delete).toBe(WAIT_FOR_LEFTOVERS);
    }
    const hubGate = named(run, "resources-leftovers-gate");
    for (const a of ofType(run, "gcp:compute/address:Address")) expect(hubGate.dependsOn).toContain(a.urn);
  });

  it("orders each cluster after the peerings of its VPC (GKE peers its control plane on the same network; one peering operation at a time)", () => {
    const run = getRun();
    const peerings = ofType(run, "gcp:compute/networkPeering:NetworkPeering");
    for (const v of ["management", "resources", "deployments"]) {
      const touching = peerings.filter((p) => [inputs(p).network, inputs(p).peerNetwork].some((n: string) => n.endsWith(`/${v}-net`)));
      expect(touching.length).toBeGreaterThan(0);
      for (const p of touching) expect(named(run, `${v}-gke`).dependsOn, `${v}-gke after ${p.name}`).toContain(p.urn);
    }
  });
});

describe("stacks sharing a project", () => {
  it("give their service accounts different ids (account ids are project-wide)", () => {
    const ids = (run: OfflineRun) => ofType(run, "gcp:serviceaccount/account:Account").map((a) => inputs(a).accountId as string);
    expect(inputs(named(dev, "management-gke")).workloadIdentityConfig.workloadPool).toBe(inputs(named(prod, "management-gke")).workloadIdentityConfig.workloadPool);
    const d = ids(dev);
    const p = ids(prod);
    expect(d.length).toBe(p.length);
    expect(d.filter((id) => p.includes(id))).toEqual([]);
    for (const id of [...d, ...p]) expect(id).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
  });

  it("give ExternalDNS different owner ids, so neither deletes the other's records", () => {
    const owner = (run: OfflineRun) => inputs(named(run, "management-addons-external-dns")).values.txtOwnerId;
    expect(owner(dev)).not.toBe(owner(prod));
  });
});
