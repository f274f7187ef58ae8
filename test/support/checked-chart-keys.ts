import type { SchemaObject } from "ajv";
import { CORE_ID } from "./crd-schemas";

/**
 * The values keys we set on each third-party chart, each checked by reading the chart's
 * source at the pinned version: the key exists in its values.yaml (or values.schema.json)
 * with that shape, and the template named reads it. A key set by the program that is not
 * listed here fails test/infra/upstream-suite.ts, and so does a chart version that was not
 * read: bumping a chart means reading it again.
 *
 * Paths: `a.b` for maps, `a[].b` inside lists. A `verbatim` key is copied whole into an
 * object by the template (`toYaml`), so what is below it has the shape of that object: the
 * test checks it against the core Kubernetes type or schema given as `shape`.
 */
export interface CheckedKey {
  /** The file of the chart (relative to its directory) that reads the key. */
  readBy: string;
  verbatim?: { into: string; shape?: string | SchemaObject };
  /** What the check found beyond "exists and is read". */
  note?: string;
}

export interface CheckedChart {
  /** Where the chart was read: repository@tag-or-commit:directory. */
  source: string;
  keys: Record<string, CheckedKey>;
}

const core = (type: string): SchemaObject => ({ $ref: `${CORE_ID}#/definitions/${type}` });
const closed = (properties: Record<string, SchemaObject>, required: string[] = []): SchemaObject => ({ type: "object", additionalProperties: false, properties, required });
const stringMap = "{ [key: string]: string; }";

/**
 * The part of prometheus-operator's TLSConfig we use on a remote write: SafeTLSConfig's `ca`
 * and `cert` (SecretOrConfigMap: one of secret/configMap), `keySecret` (SecretKeySelector),
 * each of `cert`/`keySecret` only with the other (Validate) — prometheus-operator/prometheus-operator@v0.86.2:
 * pkg/apis/monitoring/v1/types.go, SafeTLSConfig.
 */
const secretKey = closed({ name: { type: "string", minLength: 1 }, key: { type: "string", minLength: 1 }, optional: { type: "boolean" } }, ["name", "key"]);
const secretOrConfigMap = closed({ secret: secretKey, configMap: secretKey });
const REMOTE_WRITE_TLS: SchemaObject = {
  ...closed({ ca: secretOrConfigMap, cert: secretOrConfigMap, keySecret: secretKey, serverName: { type: "string" }, insecureSkipVerify: { type: "boolean", const: false } }),
  dependencies: { cert: ["keySecret"], keySecret: ["cert"] },
};

/** ECK's ServiceTemplate (metadata + ServiceSpec), elastic/cloud-on-k8s@v3.2.0:pkg/apis/common/v1/common.go. */
const eckServiceTemplate = closed({ metadata: core("V1ObjectMeta"), spec: core("V1ServiceSpec") });

export const CHECKED_CHARTS: Record<string, CheckedChart> = {
  "fluent-bit@0.54.0": {
    source: "fluent/helm-charts@fluent-bit-0.54.0:charts/fluent-bit",
    keys: {
      "config.inputs": { readBy: "templates/configmap.yaml", note: "rendered with tpl into fluent-bit.conf after config.service; replaces the chart's default inputs" },
      "config.filters": { readBy: "templates/configmap.yaml" },
      "config.outputs": { readBy: "templates/configmap.yaml" },
      tolerations: { readBy: "templates/_pod.tpl", verbatim: { into: "DaemonSet pod spec.tolerations", shape: "Array<V1Toleration>" } },
      env: { readBy: "templates/_pod.tpl", verbatim: { into: "the fluent-bit container's env", shape: "Array<V1EnvVar>" }, note: "toYaml under containers[0].env (read at fluent/helm-charts@0589e289); hostNetwork stays its default false, so Fluent Bit sends from pod IPs" },
      extraVolumes: {
        readBy: "templates/_pod.tpl",
        verbatim: { into: "DaemonSet pod spec.volumes", shape: "Array<V1Volume>" },
        note: "appended after daemonSetVolumes (values.yaml extraVolumes: [] at line 361); daemonSetVolumes itself holds the chart's varlog and container mounts, so we leave it alone",
      },
      extraVolumeMounts: { readBy: "templates/_pod.tpl", verbatim: { into: "the fluent-bit container's volumeMounts", shape: "Array<V1VolumeMount>" }, note: "appended after daemonSetVolumeMounts (values.yaml line 363)" },
      podAnnotations: {
        readBy: "templates/daemonset.yaml",
        verbatim: { into: "DaemonSet pod template metadata.annotations", shape: stringMap },
        note: "rendered beside the chart's own checksum/config annotation (hotReload off by default)",
      },
    },
  },
  "eck-operator@3.2.0": {
    source: "elastic/cloud-on-k8s@v3.2.0:deploy/eck-operator",
    keys: {
      replicaCount: { readBy: "templates/statefulset.yaml", note: "templates/validate-chart.yaml refuses more than 1 unless config.enableLeaderElection" },
    },
  },
  "eck-stack@0.17.0": {
    source: "elastic/cloud-on-k8s@v3.2.0:deploy/eck-stack (subcharts under charts/)",
    keys: {
      "eck-elasticsearch.enabled": { readBy: "Chart.yaml (dependency condition)" },
      "eck-elasticsearch.fullnameOverride": { readBy: "charts/eck-elasticsearch/templates/_helpers.tpl", note: "eck-stack's own values set it to elasticsearch" },
      "eck-elasticsearch.volumeClaimDeletePolicy": {
        readBy: "charts/eck-elasticsearch/templates/elasticsearch.yaml",
        note: "the template fails on anything but DeleteOnScaledownOnly or DeleteOnScaledownAndClusterDeletion",
      },
      "eck-elasticsearch.nodeSets": {
        readBy: "charts/eck-elasticsearch/templates/elasticsearch.yaml",
        verbatim: {
          into: "Elasticsearch spec.nodeSets (config/crds/v1/resources/elasticsearch.k8s.elastic.co_elasticsearches.yaml)",
          shape: {
            type: "array",
            minItems: 1,
            items: closed(
              {
                name: { type: "string", pattern: "^[a-zA-Z0-9-]+$", maxLength: 23 },
                count: { type: "integer" },
                config: { type: "object" },
                podTemplate: core("V1PodTemplateSpec"),
                volumeClaimTemplates: { type: "array", items: core("V1PersistentVolumeClaim") },
              },
              ["name"],
            ),
          },
        },
      },
      "eck-elasticsearch.http": {
        readBy: "charts/eck-elasticsearch/templates/elasticsearch.yaml",
        verbatim: { into: "Elasticsearch spec.http", shape: closed({ service: eckServiceTemplate, tls: { type: "object" } }) },
      },
      "eck-kibana.enabled": { readBy: "Chart.yaml (dependency condition)" },
      "eck-kibana.elasticsearchRef.name": { readBy: "charts/eck-kibana/templates/kibana.yaml", note: "the template fails without a name or secretName" },
      "eck-kibana.spec.count": { readBy: "charts/eck-kibana/templates/kibana.yaml", note: "`spec.count` or `count`; the elasticsearchRef comes from eck-stack's own values (name: elasticsearch)" },
      "eck-logstash.enabled": { readBy: "Chart.yaml (dependency condition)", note: "disabled by default in eck-stack" },
      "eck-logstash.count": { readBy: "charts/eck-logstash/templates/logstash.yaml" },
      "eck-logstash.fullnameOverride": { readBy: "charts/eck-logstash/templates/_helpers.tpl" },
      "eck-logstash.elasticsearchRefs": {
        readBy: "charts/eck-logstash/templates/logstash.yaml",
        verbatim: {
          into: "Logstash spec.elasticsearchRefs (clusterName required)",
          shape: { type: "array", items: closed({ clusterName: { type: "string", minLength: 1 }, name: { type: "string" }, namespace: { type: "string" }, secretName: { type: "string" }, serviceName: { type: "string" } }, ["clusterName"]) },
        },
      },
      "eck-logstash.pipelines": {
        readBy: "charts/eck-logstash/templates/logstash.yaml",
        verbatim: {
          into: "Logstash spec.pipelines: pipelines.yml entries (flat dotted keys); the template fails if pipelinesRef is set too",
          shape: { type: "array", items: { type: "object", required: ["pipeline.id"], properties: { "pipeline.id": { type: "string", minLength: 1 }, "config.string": { type: "string" }, "path.config": { type: "string" } } } },
        },
      },
      "eck-logstash.podTemplate": { readBy: "charts/eck-logstash/templates/logstash.yaml", verbatim: { into: "Logstash spec.podTemplate", shape: "V1PodTemplateSpec" } },
      "eck-logstash.services": {
        readBy: "charts/eck-logstash/templates/logstash.yaml",
        verbatim: {
          into: "Logstash spec.services (config/crds/v1/resources/logstash.k8s.elastic.co_logstashes.yaml)",
          shape: { type: "array", items: closed({ name: { type: "string" }, service: eckServiceTemplate, tls: { type: "object" } }) },
        },
      },
    },
  },
  "redis-operator@0.22.2": {
    // The chart lives in the operator's repository; 0.22.2 is the commit that set that version.
    source: "OT-CONTAINER-KIT/redis-operator@42c635fd201224921c250351b70999ba9f95576d:charts/redis-operator",
    keys: {
      "redisOperator.watchNamespace": { readBy: "templates/operator-deployment.yaml", note: "empty: the operator watches all namespaces" },
    },
  },
  "redis-cluster@0.17.1": {
    source: "OT-CONTAINER-KIT/redis-operator@94a9516e8346da2281124a7675bacc2b7552c04c:charts/redis-cluster",
    keys: {
      "redisCluster.name": { readBy: "templates/redis-cluster.yaml, templates/*-service.yaml, templates/*-sm.yaml", note: "defaults to the release name; names the CR and its Services" },
      "redisCluster.clusterSize": { readBy: "templates/redis-cluster.yaml" },
      "redisCluster.image": { readBy: "templates/redis-cluster.yaml", note: "joined as image:tag into kubernetesConfig.image" },
      "redisCluster.tag": { readBy: "templates/redis-cluster.yaml" },
      "redisCluster.redisSecret.secretName": { readBy: "templates/redis-cluster.yaml", note: "rendered only when secretKey is set too" },
      "redisCluster.redisSecret.secretKey": { readBy: "templates/redis-cluster.yaml" },
      "redisCluster.resources": { readBy: "templates/redis-cluster.yaml", verbatim: { into: "RedisCluster spec.kubernetesConfig.resources", shape: "V1ResourceRequirements" } },
      "redisCluster.leader.replicas": { readBy: "templates/redis-cluster.yaml" },
      "redisCluster.follower.replicas": { readBy: "templates/redis-cluster.yaml" },
      "redisCluster.leader.pdb.enabled": { readBy: "templates/_helpers.tpl (redis.role)" },
      "redisCluster.follower.pdb.enabled": { readBy: "templates/_helpers.tpl (redis.role)" },
      "redisCluster.leader.pdb.maxUnavailable": {
        readBy: "templates/_helpers.tpl (redis.role)",
        note: "the helper always renders maxUnavailable (default 1) next to minAvailable, and the operator uses maxUnavailable when both are set (internal/k8sutils/poddisruption.go@v0.22.2): setting minAvailable has no effect",
      },
      "redisCluster.follower.pdb.maxUnavailable": { readBy: "templates/_helpers.tpl (redis.role)" },
      "redisExporter.enabled": { readBy: "templates/redis-cluster.yaml" },
      "redisExporter.image": { readBy: "templates/redis-cluster.yaml", note: "the chart's default tag is older than the one we pin" },
      "redisExporter.tag": { readBy: "templates/redis-cluster.yaml" },
      "serviceMonitor.enabled": { readBy: "templates/leader-sm.yaml, templates/follower-sm.yaml", note: "the chart does not check that the ServiceMonitor CRD exists" },
      storageSpec: {
        readBy: "templates/redis-cluster.yaml",
        verbatim: {
          into: "RedisCluster spec.storage (api/common/v1beta2/common_types.go@v0.22.2: ClusterStorage)",
          shape: closed({
            keepAfterDelete: { type: "boolean" },
            volumeClaimTemplate: core("V1PersistentVolumeClaim"),
            nodeConfVolume: { type: "boolean" },
            nodeConfVolumeClaimTemplate: core("V1PersistentVolumeClaim"),
            volumeMount: { type: "object" },
          }),
        },
      },
      "externalService.enabled": { readBy: "templates/leader-service.yaml, templates/follower-service.yaml", note: "one block renders both a leader and a follower Service" },
      "externalService.serviceType": { readBy: "templates/leader-service.yaml, templates/follower-service.yaml" },
      "externalService.annotations": { readBy: "templates/leader-service.yaml, templates/follower-service.yaml", verbatim: { into: "both Services' metadata.annotations", shape: stringMap } },
    },
  },
  "kube-prometheus-stack@79.5.0": {
    source: "prometheus-community/helm-charts@kube-prometheus-stack-79.5.0:charts/kube-prometheus-stack (grafana subchart: grafana/helm-charts@grafana-10.1.4:charts/grafana)",
    keys: {
      "prometheus.agentMode": { readBy: "templates/prometheus/prometheus.yaml", note: "renders a PrometheusAgent: it evaluates no rules and has no alerting" },
      "prometheus.prometheusSpec.replicas": { readBy: "templates/prometheus/prometheus.yaml" },
      "prometheus.prometheusSpec.retention": { readBy: "templates/prometheus/prometheus.yaml" },
      "prometheus.prometheusSpec.enableRemoteWriteReceiver": { readBy: "templates/prometheus/prometheus.yaml" },
      "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues": { readBy: "templates/prometheus/prometheus.yaml", note: "false: select ServiceMonitors of every release" },
      "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues": { readBy: "templates/prometheus/prometheus.yaml" },
      "prometheus.prometheusSpec.storageSpec": {
        readBy: "templates/prometheus/prometheus.yaml",
        verbatim: { into: "Prometheus spec.storage (StorageSpec)", shape: closed({ volumeClaimTemplate: core("V1PersistentVolumeClaim"), emptyDir: core("V1EmptyDirVolumeSource"), ephemeral: core("V1EphemeralVolumeSource"), disableMountSubPath: { type: "boolean" } }) },
      },
      "prometheus.prometheusSpec.externalLabels": { readBy: "templates/prometheus/prometheus.yaml", verbatim: { into: "spec.externalLabels", shape: stringMap } },
      "prometheus.prometheusSpec.remoteWrite": {
        readBy: "templates/prometheus/prometheus.yaml",
        verbatim: {
          into: "spec.remoteWrite (RemoteWriteSpec, url required; prometheus-operator@v0.86.2:pkg/apis/monitoring/v1/prometheus_types.go)",
          shape: { type: "array", items: { type: "object", required: ["url"], properties: { url: { type: "string", pattern: "^https?://" }, tlsConfig: REMOTE_WRITE_TLS } } },
        },
      },
      "prometheus.service.port": {
        readBy: "templates/prometheus/service.yaml",
        note: "the Service port only; targetPort stays prometheus.service.targetPort (9090). Its type stays the default ClusterIP (values.yaml line 3563): other clusters reach Prometheus only through the remote-write gateway",
      },
      "alertmanager.enabled": { readBy: "templates/alertmanager/alertmanager.yaml" },
      "alertmanager.alertmanagerSpec.replicas": { readBy: "templates/alertmanager/alertmanager.yaml" },
      "grafana.enabled": { readBy: "Chart.yaml (dependency condition)" },
      "grafana.adminPassword": { readBy: "grafana chart templates/_config.tpl (admin-password in the chart's Secret)" },
      "grafana.sidecar.dashboards.enabled": { readBy: "grafana chart templates/_pod.tpl" },
      "grafana.sidecar.dashboards.searchNamespace": { readBy: "grafana chart templates/_pod.tpl", note: "ALL: dashboards from ConfigMaps labelled grafana_dashboard in any namespace" },
    },
  },
  "keda@2.18.1": {
    source: "kedacore/charts@v2.18.1:keda",
    keys: {
      "operator.replicaCount": { readBy: "templates/manager/deployment.yaml", note: "one active operator (leader election), the others stand by" },
      "podDisruptionBudget.operator.minAvailable": { readBy: "templates/manager/poddisruptionbudget.yaml" },
      "prometheus.operator.enabled": { readBy: "templates/manager/deployment.yaml" },
      "prometheus.operator.serviceMonitor.enabled": { readBy: "templates/manager/servicemonitor.yaml", note: "the chart does not check that the ServiceMonitor CRD exists" },
    },
  },
  "oci://registry.k8s.io/kueue/charts/kueue@0.19.2": {
    source: "kubernetes-sigs/kueue@v0.19.2:charts/kueue (published as oci://registry.k8s.io/kueue/charts/kueue 0.19.2 by hack/helm-chart-package.sh)",
    keys: {
      "controllerManager.manager.image.repository": { readBy: "templates/manager/manager.yaml", note: "the repository's values.yaml has the staging registry; packaging rewrites it to registry.k8s.io/kueue/kueue" },
      "controllerManager.manager.image.tag": { readBy: "templates/manager/manager.yaml", note: "falls back to .Chart.AppVersion when empty" },
      "controllerManager.manager.image.pullPolicy": { readBy: "templates/manager/manager.yaml" },
      "controllerManager.nodeSelector": { readBy: "templates/manager/manager.yaml", verbatim: { into: "Deployment pod spec.nodeSelector", shape: stringMap } },
      "managerConfig.controllerManagerConfigYaml": {
        readBy: "templates/manager/manager-config.yaml (fromYaml, then internalCertManagement added when absent), templates/webhook/manifests.yaml (integrations, managedJobsNamespaceSelector)",
        note: "replaces the whole default configuration: ports, leader election and client limits must be carried over (test/infra/kueue.test.ts)",
      },
    },
  },
  "external-dns@1.19.0": {
    source: "kubernetes-sigs/external-dns@external-dns-helm-chart-1.19.0:charts/external-dns (values.schema.json allows unknown keys)",
    keys: {
      "provider.name": { readBy: "templates/deployment.yaml (--provider)" },
      sources: { readBy: "templates/deployment.yaml (--source), templates/clusterrole.yaml (gateway-httproute RBAC)" },
      policy: { readBy: "templates/deployment.yaml (--policy)", note: "enum create-only|sync|upsert-only in values.schema.json" },
      domainFilters: { readBy: "templates/deployment.yaml (--domain-filter)" },
      extraArgs: {
        readBy: "templates/deployment.yaml",
        note: "the chart has no zone-id value (a `zoneIdFilters` key is silently ignored); --zone-id-filter matches the Cloud DNS zone's name or id (provider/google/google.go@v0.19.0)",
      },
      txtOwnerId: { readBy: "templates/deployment.yaml (--txt-owner-id)" },
      "serviceAccount.name": { readBy: "templates/serviceaccount.yaml, templates/_helpers.tpl" },
      "serviceAccount.annotations": { readBy: "templates/serviceaccount.yaml", verbatim: { into: "ServiceAccount metadata.annotations", shape: stringMap } },
    },
  },
};
