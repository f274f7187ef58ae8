import { gib, cores } from "../../apps/shared/usage/quantity";
import { podRequests, type PodSpecLike, type Requests } from "../../apps/shared/usage/pod-requests";
import { VPC_NAMES, type VpcName } from "../network/cidr-plan";
import type { PlannedResource } from "../plan/offline-run";

/** Pods of one workload the platform runs on a cluster (each replica asks for `requests`). */
export interface PlatformPods {
  cluster: VpcName;
  workload: string;
  replicas: number;
  requests: Requests;
  /** Where the requests come from: our values, or the chart's/operator's default (cited). */
  source: string;
}
export interface PlatformVolumes {
  cluster: VpcName;
  claim: string;
  count: number;
  sizeGiB: number;
  source: string;
}
/** A forwarding rule GKE creates for a LoadBalancer Service (regional) or the Gateway (global). */
export interface ForwardingRule {
  cluster: VpcName;
  name: string;
  scope: "regional" | "global";
}
export interface PlatformWorkloads {
  pods: PlatformPods[];
  volumes: PlatformVolumes[];
  forwardingRules: ForwardingRule[];
}

// Helm values and resource inputs are free-form JSON, read defensively with `?.` and defaults.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Values = Record<string, any>;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** Pulumi wraps secret inputs as {<sig>: ..., value}; the estimate needs the plain values. */
export const plain = (v: unknown): Values => unwrap(v) as Values;
const unwrap = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    const o = v as Values;
    if (SECRET_SIG in o) return unwrap(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
};

const req = (cpu: string | number, memory: string): Requests => ({ cpu: cores(cpu), memoryGiB: gib(memory), gpus: 0 });
const NONE = req(0, "0");
const fromResources = (r: Values | undefined, fallback: Requests): Requests =>
  r?.requests || r?.limits ? podRequests({ containers: [{ resources: r }] }) : fallback;

/** The cluster a Kubernetes resource goes to, from its provider (`<vpc>-k8s`). */
export const clusterOf = (r: PlannedResource): VpcName | undefined => VPC_NAMES.find((v) => r.provider.includes(`::${v}-k8s::`));

const OURS = "our values (charts/, infra/)";
// Chart and operator defaults we rely on where our values set nothing, at the pinned versions.
const SRC = {
  redisOperator: "OT-CONTAINER-KIT/redis-operator@ce3ffdb (chart redis-operator 0.22.2):charts/redis-operator/values.yaml resources",
  redisCluster: "OT-CONTAINER-KIT/redis-operator@e23140a (chart redis-cluster 0.17.1):charts/redis-cluster/values.yaml",
  eckOperator: "elastic/cloud-on-k8s@v3.2.0:deploy/eck-operator/values.yaml resources",
  eckEs: "elastic/cloud-on-k8s@v3.2.0:pkg/controller/elasticsearch/nodespec/defaults.go (2Gi memory)",
  eckKibana: "elastic/cloud-on-k8s@v3.2.0:pkg/controller/kibana/pod.go DefaultResources (1Gi memory)",
  eckLogstash: "elastic/cloud-on-k8s@v3.2.0:pkg/controller/logstash/pod.go DefaultResources (1 CPU, 2Gi); volume/defaults.go (1.5Gi claim)",
  alertmanager: "prometheus-operator/prometheus-operator@v0.86.2:pkg/alertmanager/statefulset.go (200Mi memory when unset)",
  kps: "prometheus-community/helm-charts@kube-prometheus-stack-79.5.0: Prometheus, operator (config-reloader flags 0), Grafana 10.1.4, kube-state-metrics 6.4.1, node-exporter 4.49.1 set no requests",
  keda: "kedacore/charts@v2.18.1:keda/values.yaml resources (100m, 100Mi per component)",
  rabbitmqOperator: "rabbitmq/cluster-operator@v2.22.0:config/manager/manager.yaml (200m, 500Mi)",
  noRequests: "chart default resources: {} (no requests)",
  kueue: "kubernetes-sigs/kueue@v0.19.2:charts/kueue/values.yaml controllerManager.manager.resources (500m, 512Mi), controllerManager.replicas (1)",
};

/**
 * What the platform itself runs on each cluster, read from the resources the program
 * registers (Deployments, the RabbitmqCluster, Helm values) plus the charts' and operators'
 * defaults for what our values leave unset. Only requests count: they are what the scheduler
 * and the cluster autoscaler size nodes by.
 */
export const platformWorkloads = (resources: PlannedResource[]): PlatformWorkloads => {
  const out: PlatformWorkloads = { pods: [], volumes: [], forwardingRules: [] };
  const pods = (cluster: VpcName, workload: string, replicas: number, requests: Requests, source: string) => {
    if (replicas > 0) out.pods.push({ cluster, workload, replicas, requests, source });
  };
  const volumes = (cluster: VpcName, claim: string, count: number, size: string | undefined, source: string) => {
    if (count > 0 && size !== undefined) out.volumes.push({ cluster, claim, count, sizeGiB: gib(size), source });
  };
  const lb = (cluster: VpcName, name: string, scope: ForwardingRule["scope"] = "regional") => out.forwardingRules.push({ cluster, name, scope });

  // Deployments whose replicas an autoscaler owns run at least its minimum (KEDA's
  // minReplicaCount defaults to 0, an HPA's minReplicas to 1).
  const minimums = new Map<string, number>();
  for (const r of resources) {
    const i = plain(r.inputs);
    const target = `${clusterOf(r)}/${i.metadata?.namespace}/${i.spec?.scaleTargetRef?.name}`;
    if (r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject") minimums.set(target, i.spec?.minReplicaCount ?? 0);
    if (r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler") minimums.set(target, i.spec?.minReplicas ?? 1);
  }

  for (const r of resources) {
    const cluster = clusterOf(r);
    if (!cluster) continue;
    const inputs = plain(r.inputs);
    switch (r.type) {
      case "kubernetes:apps/v1:Deployment": {
        const replicas = inputs.spec?.replicas ?? minimums.get(`${cluster}/${inputs.metadata?.namespace}/${inputs.metadata?.name}`) ?? 1;
        pods(cluster, `Deployment/${inputs.metadata?.name}`, replicas, podRequests(inputs.spec?.template?.spec as PodSpecLike), OURS);
        break;
      }
      case "kubernetes:core/v1:Service":
        if (inputs.spec?.type === "LoadBalancer") lb(cluster, `Service/${inputs.metadata?.name}`);
        break;
      case "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster": {
        const n = inputs.spec?.replicas ?? 1;
        pods(cluster, "RabbitMQ", n, fromResources(inputs.spec?.resources, req(1, "2Gi")), OURS);
        volumes(cluster, "rabbitmq persistence", n, inputs.spec?.persistence?.storage ?? "10Gi", OURS);
        if (inputs.spec?.service?.type === "LoadBalancer") lb(cluster, "rabbitmq");
        break;
      }
      case "kubernetes:yaml/v2:ConfigFile":
        if (String(inputs.files ?? inputs.file ?? "").includes("rabbitmq/cluster-operator")) pods(cluster, "RabbitMQ cluster operator", 1, req("200m", "500Mi"), SRC.rabbitmqOperator);
        break;
      case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
        lb(cluster, `Gateway/${inputs.metadata?.name}`, String(inputs.spec?.gatewayClassName).includes("global") ? "global" : "regional");
        break;
      case "kubernetes:helm.sh/v3:Release":
      case "kubernetes:helm.sh/v4:Chart":
        chartWorkloads(cluster, String(inputs.chart), (inputs.values ?? {}) as Values, { pods, volumes, lb });
        break;
    }
  }
  return out;
};

interface Sink {
  pods(cluster: VpcName, workload: string, replicas: number, requests: Requests, source: string): void;
  volumes(cluster: VpcName, claim: string, count: number, size: string | undefined, source: string): void;
  lb(cluster: VpcName, name: string): void;
}

const chartWorkloads = (cluster: VpcName, chart: string, v: Values, s: Sink) => {
  switch (chart) {
    case "redis-operator":
      s.pods(cluster, "redis-operator", v.replicas ?? 1, fromResources(v.resources, req("500m", "500Mi")), v.resources ? OURS : SRC.redisOperator);
      break;
    case "redis-cluster": {
      const rc = v.redisCluster ?? {};
      const n = (rc.leader?.replicas ?? rc.clusterSize ?? 3) + (rc.follower?.replicas ?? rc.clusterSize ?? 3);
      s.pods(cluster, "Redis cluster (leaders + followers)", n, fromResources(rc.resources, NONE), rc.resources ? OURS : SRC.redisCluster);
      s.volumes(cluster, "redis data", n, v.storageSpec?.volumeClaimTemplate?.spec?.resources?.requests?.storage ?? "1Gi", OURS);
      if (v.storageSpec?.nodeConfVolume ?? true) s.volumes(cluster, "redis node.conf", n, v.storageSpec?.nodeConfVolumeClaimTemplate?.spec?.resources?.requests?.storage ?? "1Gi", SRC.redisCluster);
      // One external Service per role, leader and follower (DESIGN.md, upstream review).
      if (v.externalService?.enabled && v.externalService?.serviceType === "LoadBalancer") ["redis-leader", "redis-follower"].forEach((x) => s.lb(cluster, x));
      break;
    }
    case "eck-operator":
      s.pods(cluster, "eck-operator", v.replicaCount ?? 1, fromResources(v.resources, req("100m", "150Mi")), SRC.eckOperator);
      break;
    case "eck-stack": {
      const es = v["eck-elasticsearch"] ?? {};
      if (es.enabled !== false) {
        for (const set of es.nodeSets ?? []) {
          const c = set.podTemplate?.spec?.containers?.find((x: Values) => x.name === "elasticsearch");
          s.pods(cluster, `Elasticsearch ${set.name}`, set.count ?? 1, fromResources(c?.resources, req(0, "2Gi")), c?.resources ? OURS : SRC.eckEs);
          const data = set.volumeClaimTemplates?.find((x: Values) => x.metadata?.name === "elasticsearch-data");
          s.volumes(cluster, "elasticsearch data", set.count ?? 1, data?.spec?.resources?.requests?.storage ?? "1Gi", OURS);
        }
        if (es.http?.service?.spec?.type === "LoadBalancer") s.lb(cluster, "elasticsearch");
      }
      const kb = v["eck-kibana"] ?? {};
      if (kb.enabled !== false) s.pods(cluster, "Kibana", kb.spec?.count ?? 1, req(0, "1Gi"), SRC.eckKibana);
      const ls = v["eck-logstash"] ?? {};
      if (ls.enabled) {
        s.pods(cluster, "Logstash", ls.count ?? 1, req(1, "2Gi"), SRC.eckLogstash);
        if (!ls.volumeClaimTemplates?.length) s.volumes(cluster, "logstash data (ECK default)", ls.count ?? 1, "1.5Gi", SRC.eckLogstash);
        for (const svc of ls.services ?? []) if (svc.service?.spec?.type === "LoadBalancer") s.lb(cluster, `logstash ${svc.name}`);
      }
      break;
    }
    case "kube-prometheus-stack": {
      const ps = v.prometheus?.prometheusSpec ?? {};
      const agent = v.prometheus?.agentMode === true;
      const n = ps.replicas ?? 1;
      s.pods(cluster, agent ? "Prometheus (agent)" : "Prometheus", n, fromResources(ps.resources, NONE), ps.resources ? OURS : SRC.kps);
      if (!agent) s.volumes(cluster, "prometheus data", n, ps.storageSpec?.volumeClaimTemplate?.spec?.resources?.requests?.storage, OURS);
      if (v.alertmanager?.enabled !== false) {
        const am = v.alertmanager?.alertmanagerSpec ?? {};
        s.pods(cluster, "Alertmanager", am.replicas ?? 1, fromResources(am.resources, req(0, "200Mi")), SRC.alertmanager);
      }
      s.pods(cluster, "prometheus-operator, kube-state-metrics", 2, NONE, SRC.kps);
      if (v.grafana?.enabled !== false) s.pods(cluster, "Grafana", 1, NONE, SRC.kps);
      if (v.prometheus?.service?.type === "LoadBalancer") s.lb(cluster, "prometheus");
      break;
    }
    case "keda": {
      for (const part of ["operator", "metricServer", "webhooks"]) {
        s.pods(cluster, `KEDA ${part}`, v[part]?.replicaCount ?? 1, fromResources(v.resources?.[part], req("100m", "100Mi")), SRC.keda);
      }
      break;
    }
    case "external-dns":
      s.pods(cluster, "external-dns", 1, fromResources(v.resources, NONE), SRC.noRequests);
      break;
    case "oci://registry.k8s.io/kueue/charts/kueue": {
      const m = v.controllerManager ?? {};
      s.pods(cluster, "Kueue controller manager", m.replicas ?? 1, fromResources(m.manager?.resources, req("500m", "512Mi")), SRC.kueue);
      break;
    }
    // fluent-bit and node-exporter are DaemonSets without requests: they add nothing to size.
  }
};
