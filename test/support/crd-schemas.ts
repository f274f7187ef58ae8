import type { SchemaObject } from "ajv";

/**
 * JSON schemas of the custom resources the program creates, one per CRD version we use. Each
 * is our own transcription of the upstream CRD's OpenAPI schema at the version the platform
 * installs (cited on each), limited to the fields a platform like ours uses: a field we set
 * that is not here fails the test until someone reads the CRD and adds it. Unknown fields are
 * refused everywhere (`additionalProperties: false`), as a structural CRD prunes them.
 * CEL rules (`x-kubernetes-validations`) are not reproduced.
 */

/** The `$id` of the core Kubernetes definitions (see ./k8s-schema.ts); `.invalid` never resolves. */
export const CORE_ID = "https://core.schemas.invalid/k8s";

// Small builders; `obj` closes the object to unknown fields.
const obj = (properties: Record<string, SchemaObject>, required: string[] = []): SchemaObject => ({
  type: "object",
  additionalProperties: false,
  properties,
  ...(required.length ? { required } : {}),
});
const str: SchemaObject = { type: "string" };
const int: SchemaObject = { type: "integer" };
const bool: SchemaObject = { type: "boolean" };
const arr = (items: SchemaObject, extra: SchemaObject = {}): SchemaObject => ({ type: "array", items, ...extra });
const strMap: SchemaObject = { type: "object", additionalProperties: { type: "string" } };
const oneOf = (...values: string[]): SchemaObject => ({ type: "string", enum: values });
const core = (type: string): SchemaObject => ({ $ref: `${CORE_ID}#/definitions/${type}` });
/** Prometheus Operator's Duration pattern (monitoring.coreos.com CRDs). */
const duration: SchemaObject = { type: "string", pattern: "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$" };
/** Gateway API's DNS-subdomain-like names and hostnames. */
const gwName: SchemaObject = { type: "string", minLength: 1, maxLength: 253 };
const gwHostname: SchemaObject = { type: "string", pattern: "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", maxLength: 253 };
const port: SchemaObject = { type: "integer", minimum: 1, maximum: 65535 };

const resource = (apiVersion: string, kind: string, spec: SchemaObject, source: string) => ({
  apiVersion,
  kind,
  source,
  schema: {
    ...obj({ apiVersion: { const: apiVersion }, kind: { const: kind }, metadata: core("V1ObjectMeta"), spec }, ["apiVersion", "kind", "spec"]),
  },
});

const KEDA = "kedacore/charts@v2.18.1:keda/templates/crds";
const PROM = "prometheus-community/helm-charts@kube-prometheus-stack-79.5.0:charts/kube-prometheus-stack/charts/crds/crds (Prometheus Operator v0.86.2)";
const GATEWAY = "kubernetes-sigs/gateway-api@v1.2.1:config/crd/standard";
/** Kueue's CRDs as its chart installs them (served v1beta1 and v1beta2; v1beta2 is the storage version). */
const KUEUE = "kubernetes-sigs/kueue@v0.19.2:charts/kueue/templates/crd";
/** Kueue's object references (flavors, cohorts, ClusterQueues): DNS subdomain names. */
const kueueName: SchemaObject = { type: "string", maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" };
/** A resource.Quantity (int-or-string with the apimachinery pattern, as the CRD has it). */
const kueueQuantity: SchemaObject = {
  anyOf: [{ type: "integer" }, { type: "string", pattern: "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$" }],
};
/** Kueue's CEL rule on taint effects (x-kubernetes-validations), which we do reproduce here. */
const kueueTaintEffect = oneOf("NoSchedule", "PreferNoSchedule", "NoExecute");

const parentRef = obj({ group: str, kind: str, name: gwName, namespace: str, port, sectionName: str }, ["name"]);
const backendRef = obj({ group: str, kind: str, name: gwName, namespace: str, port, weight: { type: "integer", minimum: 0, maximum: 1_000_000 } }, ["name"]);
const httpRouteMatch = obj({
  path: obj({ type: oneOf("Exact", "PathPrefix", "RegularExpression"), value: { type: "string", maxLength: 1024 } }),
  method: oneOf("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"),
  headers: arr(obj({ type: oneOf("Exact", "RegularExpression"), name: str, value: str }, ["name", "value"])),
  queryParams: arr(obj({ type: oneOf("Exact", "RegularExpression"), name: str, value: str }, ["name", "value"])),
});

/** One scrape endpoint: ServiceMonitor's `endpoints` and PodMonitor's `podMetricsEndpoints` share these fields; `own` adds a kind's others. */
const scrapeEndpoint = (own: Record<string, SchemaObject> = {}) =>
  obj({
    port: str,
    ...own,
    targetPort: { type: ["integer", "string"] },
    path: str,
    scheme: oneOf("http", "https"),
    interval: duration,
    scrapeTimeout: duration,
    honorLabels: bool,
    honorTimestamps: bool,
    params: { type: "object", additionalProperties: arr(str) },
  });

/**
 * KEDA's `rabbitmq` trigger metadata: KEDA ignores keys it does not parse unless the operator
 * runs with KEDA_CHECK_UNEXPECTED_SCALERS_PARAMS (pkg/scalers/scalersconfig/typed_config.go),
 * so a misspelt key silently falls back to a default. Keys with `triggerMetadata` in their
 * parsing order, and the modes and protocols validateTrigger accepts, from
 * kedacore/keda@v2.18.1:pkg/scalers/rabbitmq_scaler.go (`*FromEnv` variants not used here).
 */
const rabbitmqTriggerMetadata: SchemaObject = {
  type: "object",
  additionalProperties: false,
  required: ["queueName"],
  properties: {
    queueName: str,
    mode: oneOf("QueueLength", "MessageRate", "DeliverGetRate", "PublishedToDeliveredRatio", "ExpectedQueueConsumptionTime"),
    value: { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?$" },
    activationValue: { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?$" },
    queueLength: str,
    host: str,
    protocol: oneOf("auto", "amqp", "http"),
    vhostName: str,
    useRegex: oneOf("true", "false"),
    excludeUnacknowledged: oneOf("true", "false"),
    pageSize: str,
    operation: oneOf("sum", "avg", "max"),
    timeout: str,
    unsafeSsl: oneOf("true", "false"),
  },
};
/** A trigger's metadata checked by the scaler's own rules where we know them (by `type`). */
const scalerMetadata: SchemaObject[] = [{ if: { properties: { type: { const: "rabbitmq" } }, required: ["type"] }, then: { properties: { metadata: rabbitmqTriggerMetadata } } }];

const schemas = [
  resource(
    "keda.sh/v1alpha1",
    "ScaledObject",
    obj(
      {
        scaleTargetRef: obj({ apiVersion: str, kind: str, name: str, envSourceContainerName: str }, ["name"]),
        pollingInterval: int,
        cooldownPeriod: int,
        initialCooldownPeriod: int,
        idleReplicaCount: int,
        minReplicaCount: int,
        maxReplicaCount: int,
        fallback: obj({ failureThreshold: int, replicas: int }, ["failureThreshold", "replicas"]),
        triggers: arr({
          ...obj({ type: str, name: str, metadata: strMap, metricType: oneOf("AverageValue", "Value", "Utilization"), useCachedMetrics: bool, authenticationRef: obj({ name: str, kind: str }, ["name"]) }, [
            "type",
            "metadata",
          ]),
          allOf: scalerMetadata,
        }),
      },
      ["scaleTargetRef", "triggers"],
    ),
    `${KEDA}/crd-scaledobjects.yaml`,
  ),
  resource(
    "keda.sh/v1alpha1",
    "TriggerAuthentication",
    obj({
      secretTargetRef: arr(obj({ parameter: str, name: str, key: str }, ["parameter", "name", "key"])),
      env: arr(obj({ parameter: str, name: str, containerName: str }, ["parameter", "name"])),
      podIdentity: obj({ provider: str, identityId: str, identityOwner: str, roleArn: str }, ["provider"]),
    }),
    `${KEDA}/crd-triggerauthentications.yaml`,
  ),
  resource(
    "monitoring.coreos.com/v1",
    "ServiceMonitor",
    obj(
      {
        selector: core("V1LabelSelector"),
        namespaceSelector: obj({ any: bool, matchNames: arr(str) }),
        jobLabel: str,
        targetLabels: arr(str),
        podTargetLabels: arr(str),
        endpoints: arr(scrapeEndpoint()),
      },
      ["endpoints", "selector"],
    ),
    `${PROM}/crd-servicemonitors.yaml`,
  ),
  resource(
    "monitoring.coreos.com/v1",
    "PodMonitor",
    obj(
      {
        selector: core("V1LabelSelector"),
        namespaceSelector: obj({ any: bool, matchNames: arr(str) }),
        jobLabel: str,
        podTargetLabels: arr(str),
        podMetricsEndpoints: arr(scrapeEndpoint({ portNumber: port })),
      },
      ["selector"],
    ),
    `${PROM}/crd-podmonitors.yaml`,
  ),
  resource(
    "monitoring.coreos.com/v1",
    "PrometheusRule",
    obj({
      groups: arr(
        obj(
          {
            name: { type: "string", minLength: 1 },
            interval: duration,
            query_offset: duration,
            limit: int,
            labels: strMap,
            rules: arr(obj({ alert: str, record: str, expr: { type: ["integer", "string"] }, for: duration, keep_firing_for: duration, labels: strMap, annotations: strMap }, ["expr"])),
          },
          ["name"],
        ),
      ),
    }),
    `${PROM}/crd-prometheusrules.yaml`,
  ),
  resource(
    "gateway.networking.k8s.io/v1",
    "Gateway",
    obj(
      {
        gatewayClassName: gwName,
        listeners: arr(
          obj(
            {
              name: gwName,
              hostname: gwHostname,
              port,
              protocol: { type: "string", minLength: 1, maxLength: 255 },
              tls: obj({ mode: oneOf("Terminate", "Passthrough"), certificateRefs: arr(obj({ group: str, kind: str, name: gwName, namespace: str }, ["name"])), options: strMap }),
              allowedRoutes: obj({ namespaces: obj({ from: oneOf("All", "Selector", "Same"), selector: core("V1LabelSelector") }), kinds: arr(obj({ group: str, kind: str }, ["kind"])) }),
            },
            ["name", "port", "protocol"],
          ),
          { minItems: 1, maxItems: 64 },
        ),
        addresses: arr(obj({ type: str, value: gwName }, ["value"]), { maxItems: 16 }),
        infrastructure: obj({ annotations: strMap, labels: strMap, parametersRef: obj({ group: str, kind: str, name: gwName }, ["group", "kind", "name"]) }),
      },
      ["gatewayClassName", "listeners"],
    ),
    `${GATEWAY}/gateway.networking.k8s.io_gateways.yaml`,
  ),
  resource(
    "gateway.networking.k8s.io/v1",
    "HTTPRoute",
    obj({
      parentRefs: arr(parentRef, { maxItems: 32 }),
      hostnames: arr(gwHostname, { maxItems: 16 }),
      rules: arr(
        obj({
          matches: arr(httpRouteMatch, { maxItems: 64 }),
          backendRefs: arr(backendRef, { maxItems: 16 }),
          timeouts: obj({ request: { type: "string", pattern: "^([0-9]{1,5}(h|m|s|ms)){1,4}$" }, backendRequest: { type: "string", pattern: "^([0-9]{1,5}(h|m|s|ms)){1,4}$" } }),
        }),
        { maxItems: 16 },
      ),
    }),
    `${GATEWAY}/gateway.networking.k8s.io_httproutes.yaml`,
  ),
  resource(
    "networking.gke.io/v1",
    "HealthCheckPolicy",
    obj(
      {
        targetRef: obj({ group: str, kind: str, name: gwName, namespace: str }, ["group", "kind", "name"]),
        default: obj({
          checkIntervalSec: { type: "integer", minimum: 1, maximum: 300 },
          timeoutSec: { type: "integer", minimum: 1, maximum: 300 },
          healthyThreshold: { type: "integer", minimum: 1, maximum: 10 },
          unhealthyThreshold: { type: "integer", minimum: 1, maximum: 10 },
          logConfig: obj({ enabled: bool }),
          config: obj({
            type: oneOf("TCP", "HTTP", "HTTPS", "HTTP2", "GRPC"),
            httpHealthCheck: obj({
              host: str,
              port,
              portName: str,
              portSpecification: oneOf("USE_FIXED_PORT", "USE_NAMED_PORT", "USE_SERVING_PORT"),
              proxyHeader: oneOf("NONE", "PROXY_V1"),
              requestPath: { type: "string", pattern: "^\\/[A-Za-z0-9\\/\\-._~%!?$&'()*+,;=:]*$", maxLength: 2048 },
              response: { type: "string", maxLength: 1024 },
            }),
          }),
        }),
      },
      ["targetRef"],
    ),
    "GoogleCloudPlatform/gke-gateway-api@fc40d606a5332f11a8883f85caff66b63c4e88ef:config/crd/networking.gke.io_healthcheckpolicies.yaml",
  ),
  resource(
    "rabbitmq.com/v1beta1",
    "RabbitmqCluster",
    obj({
      replicas: { type: "integer", minimum: 0 },
      image: str,
      imagePullSecrets: arr(core("V1LocalObjectReference")),
      resources: core("V1ResourceRequirements"),
      persistence: obj({ storage: { type: ["integer", "string"] }, storageClassName: str }),
      rabbitmq: obj({
        additionalPlugins: arr({ type: "string", pattern: "^\\w+$", maxLength: 100 }, { maxItems: 100 }),
        additionalConfig: { type: "string", maxLength: 100_000 },
        advancedConfig: { type: "string", maxLength: 100_000 },
        envConfig: { type: "string", maxLength: 100_000 },
      }),
      secretBackend: obj({ externalSecret: obj({ name: str }) }),
      // Only `service` and `statefulSet` (api/v1beta1/rabbitmqcluster_types.go@v2.22.0,
      // RabbitmqClusterOverrideSpec); `clientService` was a 2020 proposal's name, never the API's.
      override: obj({
        service: obj({ metadata: obj({ labels: strMap, annotations: strMap }), spec: core("V1ServiceSpec") }),
        statefulSet: obj({ metadata: obj({ labels: strMap, annotations: strMap }), spec: { type: "object" } }),
      }),
      service: obj({ type: oneOf("ClusterIP", "LoadBalancer", "NodePort"), annotations: strMap, labels: strMap, ipFamilyPolicy: oneOf("SingleStack", "PreferDualStack", "RequireDualStack") }),
      tls: obj({ secretName: str, caSecretName: str, disableNonTLSListeners: bool }),
      affinity: core("V1Affinity"),
      tolerations: arr(core("V1Toleration")),
      terminationGracePeriodSeconds: { type: "integer", minimum: 0 },
      delayStartSeconds: { type: "integer", minimum: 0 },
      skipPostDeploySteps: bool,
      autoEnableAllFeatureFlags: bool,
    }),
    "rabbitmq/cluster-operator@v2.22.0:config/crd/bases/rabbitmq.com_rabbitmqclusters.yaml",
  ),
  resource(
    "kueue.x-k8s.io/v1beta2",
    "ResourceFlavor",
    obj({
      nodeLabels: { ...strMap, maxProperties: 8 },
      nodeTaints: arr(obj({ key: str, value: str, effect: kueueTaintEffect, timeAdded: str }, ["effect", "key"]), { maxItems: 8 }),
      tolerations: arr(obj({ key: str, operator: oneOf("Equal", "Exists"), value: str, effect: kueueTaintEffect, tolerationSeconds: int }), { maxItems: 8 }),
      topologyName: kueueName,
    }),
    `${KUEUE}/kueue.x-k8s.io_resourceflavors.yaml`,
  ),
  resource(
    "kueue.x-k8s.io/v1beta2",
    "ClusterQueue",
    obj({
      cohortName: kueueName,
      namespaceSelector: core("V1LabelSelector"),
      queueingStrategy: oneOf("StrictFIFO", "BestEffortFIFO"),
      resourceGroups: arr(
        obj(
          {
            coveredResources: arr(str, { minItems: 1, maxItems: 64 }),
            flavors: arr(
              obj(
                {
                  name: kueueName,
                  resources: arr(obj({ name: str, nominalQuota: kueueQuantity, borrowingLimit: kueueQuantity, lendingLimit: kueueQuantity }, ["name", "nominalQuota"]), { minItems: 1, maxItems: 64 }),
                },
                ["name", "resources"],
              ),
              { minItems: 1, maxItems: 64 },
            ),
          },
          ["coveredResources", "flavors"],
        ),
        { maxItems: 16 },
      ),
      preemption: obj({
        reclaimWithinCohort: oneOf("Never", "LowerPriority", "Any"),
        withinClusterQueue: oneOf("Never", "LowerPriority", "LowerOrNewerEqualPriority"),
        borrowWithinCohort: obj({ policy: oneOf("Never", "LowerPriority"), maxPriorityThreshold: int }),
      }),
      fairSharing: obj({ weight: kueueQuantity }),
      stopPolicy: oneOf("None", "Hold", "HoldAndDrain"),
    }),
    `${KUEUE}/kueue.x-k8s.io_clusterqueues.yaml`,
  ),
  resource(
    "kueue.x-k8s.io/v1beta2",
    "LocalQueue",
    obj({ clusterQueue: kueueName, stopPolicy: oneOf("None", "Hold", "HoldAndDrain"), fairSharing: obj({ weight: kueueQuantity }) }),
    `${KUEUE}/kueue.x-k8s.io_localqueues.yaml`,
  ),
];

/** Schemas by `apiVersion/kind`, each with the upstream file it was transcribed from. */
export const CRD_SCHEMAS: Record<string, { apiVersion: string; kind: string; source: string; schema: SchemaObject }> = Object.fromEntries(
  schemas.map((s) => [`${s.apiVersion}/${s.kind}`, s]),
);
