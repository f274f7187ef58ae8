import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../../apps/shared/contract";
import { INTERNAL_LB_ANNOTATIONS, chartValues } from "./charts";
import { helmRelease, renderedChart } from "./helm-release";
import { authEnv, logstashAuthSecret } from "./logstash-auth";
import { ES_CLUSTER_NAME, LOGSTASH_TLS_DIR, TEMPLATE_DIR, TEMPLATE_FILE, indexTemplate, logstashPipeline, type LogRetentionDays } from "./logstash-pipeline";
import { tlsSecret, type MutualTls } from "./mutual-tls";
import { rolloutChecksum } from "../rollout-checksum";

export interface ElasticStackArgs {
  provider: k8s.Provider;
  /** GKE annotation placing Logstash's Service on a reserved internal IP. */
  logstashAddress: pulumi.Input<Record<string, string>>;
  /** The only ranges Logstash's internal load balancer admits (every cluster's Fluent Bit pods). */
  logstashSourceRanges: string[];
  /** Basic-auth password of Logstash's http input (user LOGSTASH_HTTP_USER). */
  logstashPassword: pulumi.Output<string>;
  /** The logs authority: Logstash serves its server certificate and requires a client certificate it issued. */
  tls: Pick<MutualTls, "server" | "caCertPem">;
  /** Days a log stays searchable (one of Elasticsearch's built-in ILM policies). */
  logRetentionDays?: LogRetentionDays;
}

export const ELASTIC_NAMESPACE = "elastic";
/** Names of the ECK resources, fixed so references (ECK's Secrets, Services, elasticsearchRefs) are known. */
export const ELASTICSEARCH_NAME = "elasticsearch";
export const LOGSTASH_NAME = "logstash";
/** The Secret with Logstash's server certificate, its key and the authority of its clients. */
export const LOGSTASH_TLS_SECRET = "logstash-server-tls";
/** ECK's Elasticsearch HTTP port (elastic/cloud-on-k8s@v3.2.0:pkg/controller/elasticsearch/network/ports.go, HTTPPort). */
export const ELASTICSEARCH_HTTP_PORT = 9200;

/**
 * ECK on the hub: the operator (a Helm release, it brings the CRDs), then Elasticsearch,
 * Kibana and Logstash rendered from eck-stack into the `elastic` namespace, which we create:
 * `helm.v4.Chart` renders with CreateNamespace off (pulumi/pulumi-kubernetes@v4.32.0:
 * provider/pkg/helm/tool.go) and eck-stack has no Namespace template.
 * Logstash receives Fluent Bit's records over HTTP and writes them to Elasticsearch with the
 * credentials ECK gives it, into data streams an ILM policy expires.
 */
export class ElasticStack extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: ElasticStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:ElasticStack", name, {}, opts);
    if (PORTS.elasticsearch !== ELASTICSEARCH_HTTP_PORT) {
      throw new pulumi.ResourceError(`the contract's Elasticsearch port (${PORTS.elasticsearch}) must be ${ELASTICSEARCH_HTTP_PORT}: ECK serves HTTP only there`, this);
    }
    const o = { parent: this, provider: args.provider };
    const operator = helmRelease(`${name}-operator`, "eckOperator", "elastic-system", chartValues("eck-operator.yaml"), o);
    this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: ELASTIC_NAMESPACE } }, o);
    const template = new k8s.core.v1.ConfigMap(
      `${name}-logs-template`,
      { metadata: { name: "logstash-index-templates", namespace: this.namespace.metadata.name }, data: { [TEMPLATE_FILE]: JSON.stringify(indexTemplate(args.logRetentionDays ?? 7), null, 2) } },
      o,
    );
    const auth = logstashAuthSecret(`${name}-logstash-auth`, ELASTIC_NAMESPACE, args.logstashPassword, { ...o, dependsOn: [this.namespace] });
    const serverTls = tlsSecret(`${name}-logstash-tls`, { name: LOGSTASH_TLS_SECRET, namespace: ELASTIC_NAMESPACE }, args.tls.server, args.tls.caCertPem, { ...o, dependsOn: [this.namespace] });
    const internal = (a: pulumi.Input<Record<string, string>>) => pulumi.output(a).apply((x) => ({ ...INTERNAL_LB_ANNOTATIONS, ...x }));

    renderedChart(
      `${name}-stack`,
      "eckStack",
      ELASTIC_NAMESPACE,
      chartValues("eck-stack.yaml", {
        "eck-elasticsearch": {
          // No load balancer: only Logstash and Kibana, both here, use Elasticsearch. ECK's
          // `-es-http` Service stays ClusterIP (its default).
          fullnameOverride: ELASTICSEARCH_NAME,
        },
        "eck-kibana": { elasticsearchRef: { name: ELASTICSEARCH_NAME } },
        "eck-logstash": {
          fullnameOverride: LOGSTASH_NAME,
          elasticsearchRefs: [{ name: ELASTICSEARCH_NAME, clusterName: ES_CLUSTER_NAME }],
          pipelines: [{ "pipeline.id": "fluent-bit", "config.string": logstashPipeline() }],
          services: [
            {
              name: "http",
              service: {
                metadata: { annotations: internal(args.logstashAddress) },
                spec: { type: "LoadBalancer", loadBalancerSourceRanges: args.logstashSourceRanges, ports: [{ name: "http", port: PORTS.logstashHttp, targetPort: PORTS.logstashHttp, protocol: "TCP" }] },
              },
            },
          ],
          podTemplate: {
            // Logstash reads its certificate at start: a renewed one rolls the pods.
            metadata: { annotations: { "platform/server-cert": rolloutChecksum(args.tls.server.certPem) } },
            spec: {
              containers: [
                {
                  name: "logstash",
                  env: authEnv(),
                  volumeMounts: [
                    { name: "index-templates", mountPath: TEMPLATE_DIR, readOnly: true },
                    { name: "platform-tls", mountPath: LOGSTASH_TLS_DIR, readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: "index-templates", configMap: { name: "logstash-index-templates" } },
                { name: "platform-tls", secret: { secretName: LOGSTASH_TLS_SECRET } },
              ],
            },
          },
        },
      }),
      { parent: this, provider: args.provider, dependsOn: [operator, this.namespace, template, auth, serverTls] },
    );
    this.registerOutputs({ namespace: this.namespace.metadata.name });
  }
}
