import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/**
 * Every third-party chart the stack installs, pinned. Each version exists as a tag of its
 * chart's source repository (OT-CONTAINER-KIT/redis-operator v0.22.2 holds redis-operator
 * 0.22.2 and redis-cluster 0.17.1; elastic/cloud-on-k8s v3.2.0 holds eck-operator 3.2.0 and
 * eck-stack 0.17.0; prometheus-community/helm-charts kube-prometheus-stack-79.5.0;
 * fluent/helm-charts fluent-bit-0.54.0; kedacore/charts v2.18.1). The chart repositories
 * themselves are out of reach here, so `pulumi preview` is the first pull. Bump them here,
 * one at a time, deliberately.
 */
export const CHARTS = {
  redisOperator: { chart: "redis-operator", version: "0.22.2", repo: "https://ot-container-kit.github.io/helm-charts/" },
  redisCluster: { chart: "redis-cluster", version: "0.17.1", repo: "https://ot-container-kit.github.io/helm-charts/" },
  eckOperator: { chart: "eck-operator", version: "3.2.0", repo: "https://helm.elastic.co" },
  eckStack: { chart: "eck-stack", version: "0.17.0", repo: "https://helm.elastic.co" },
  kubePrometheusStack: { chart: "kube-prometheus-stack", version: "79.5.0", repo: "https://prometheus-community.github.io/helm-charts" },
  fluentBit: { chart: "fluent-bit", version: "0.54.0", repo: "https://fluent.github.io/helm-charts" },
  keda: { chart: "keda", version: "2.18.1", repo: "https://kedacore.github.io/charts" },
  externalDns: { chart: "external-dns", version: "1.19.0", repo: "https://kubernetes-sigs.github.io/external-dns/" },
  // Kueue publishes its chart only as an OCI artifact (kubernetes-sigs/kueue@v0.19.2:
  // hack/helm-chart-package.sh pushes release tags to registry.k8s.io/kueue/charts); the chart
  // version is the tag without its "v".
  kueue: { chart: "oci://registry.k8s.io/kueue/charts/kueue", version: "0.19.2", repo: undefined },
} as const;

type ChartRef = { chart: string; version: string; repo: string | undefined };
/**
 * Where Helm fetches a chart from: a chart name in an HTTP repository, or an `oci://` reference
 * with no repository. Both pulumi-kubernetes Helm resources take an OCI reference as the chart
 * (helm.v4.Chart: "By OCI registry", @pulumi/kubernetes@4.34.2 helm/v4/chart.d.ts; helm.v3.Release
 * since pulumi/pulumi-kubernetes#1892, "Add initial support for OCI registries").
 */
export const chartSource = (c: ChartRef) =>
  c.chart.startsWith("oci://") ? { chart: c.chart, version: c.version } : { chart: c.chart, version: c.version, repositoryOpts: { repo: c.repo } };

/** RabbitMQ Cluster Operator: the project ships a manifest, not a chart (v2.22.x per the design). */
export const RABBITMQ_OPERATOR_MANIFEST = "https://github.com/rabbitmq/cluster-operator/releases/download/v2.22.0/cluster-operator.yml";
/**
 * Images we pin ourselves (Bitnami's are frozen since 2025-08-28 and not used). The registries
 * are out of reach here; each tag is referenced by public manifests (rabbitmq:4.1.4-management,
 * a docker-library tag with a digest bumped by Renovate in CloudPirates-io/helm-charts;
 * quay.io/opstree/redis:v7.2.7 and redis-exporter:v1.48.0 in RedisCluster manifests of public
 * repositories). The OT charts' own defaults are older (redis v7.0.15, exporter v1.44.0).
 */
export const IMAGES = {
  rabbitmq: "rabbitmq:4.1.4-management",
  redis: "quay.io/opstree/redis:v7.2.7",
  redisExporter: "quay.io/opstree/redis-exporter:v1.48.0",
  /** Runs as a non-root user (uid 100); used by the Job that sets the dead-letter queues' policy (rabbitmq.ts). */
  curl: "curlimages/curl:8.11.1",
  /**
   * The remote-write gateway (remote-write-gateway.ts). The distroless variant runs as non-root
   * (uid 65532): ghostunnel/ghostunnel@v1.11.1:Dockerfile-distroless, FROM
   * gcr.io/distroless/base-nossl:nonroot; tags as listed in its README ("Docker images").
   */
  ghostunnel: "ghostunnel/ghostunnel:v1.11.1-distroless",
} as const;

type Values = Record<string, unknown>;
const isPlain = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/** Deep merge: maps merge key by key, anything else in `over` replaces what is in `base`. */
export const mergeValues = (base: Values, over: Values): Values => {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlain(v) && isPlain(out[k]) ? mergeValues(out[k] as Values, v) : v;
  return out;
};

/** The reviewed values file in charts/, merged with what only the program knows (addresses, secrets). */
export const chartValues = (file: string, computed: Values = {}): Values => {
  const text = readFileSync(path.join(__dirname, "../../charts", file), "utf8");
  return mergeValues((parse(text) as Values | null) ?? {}, computed);
};

/** Annotations that make a LoadBalancer Service an internal one, reachable from peered VPCs. */
export const INTERNAL_LB_ANNOTATIONS = {
  "networking.gke.io/load-balancer-type": "Internal",
  "networking.gke.io/internal-load-balancer-allow-global-access": "true",
} as const;
