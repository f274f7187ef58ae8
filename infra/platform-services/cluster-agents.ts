import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartValues } from "./charts";
import { FLUENT_BIT_TLS_DIR, clusterFilter, logstashOutput } from "./fluent-bit-config";
import { helmRelease } from "./helm-release";
import { authEnv, logstashAuthSecret } from "./logstash-auth";
import { TLS_KEYS, tlsSecret, type MutualTls } from "./mutual-tls";
import { rolloutChecksum } from "../rollout-checksum";
import { remoteWriteUrl } from "./remote-write-gateway";

export const LOGGING_NAMESPACE = "logging";
export const AGENT_MONITORING_NAMESPACE = "monitoring";
/** Fluent Bit's client certificate for Logstash (namespace logging). */
export const LOGS_CLIENT_TLS_SECRET = "logstash-client-tls";
/** The Prometheus agent's client certificate for the remote-write gateway (namespace monitoring). */
export const METRICS_CLIENT_TLS_SECRET = "remote-write-client-tls";

export interface ClusterAgentsArgs {
  provider: k8s.Provider;
  /** The cluster's name, added to every log record and series. */
  clusterName: string;
  logstashIp: pulumi.Input<string>;
  prometheusIp: pulumi.Input<string>;
  /** The hub runs the full Prometheus; other clusters run an agent that remote-writes to it. */
  prometheusAgent: boolean;
  /** Basic-auth password of the hub Logstash's http input. */
  logstashPassword: pulumi.Output<string>;
  /** The logs authority: Fluent Bit's client certificate, and the authority that verifies Logstash. */
  logsTls: Pick<MutualTls, "client" | "caCertPem">;
  /** The metrics authority, for the agent's remote write. */
  metricsTls: Pick<MutualTls, "client" | "caCertPem">;
}

/** Log and metric shipping on one cluster: Fluent Bit to Logstash, Prometheus (agent) to the hub. */
export class ClusterAgents extends pulumi.ComponentResource {
  /** The release that installs the Prometheus Operator's CRDs on this cluster, when it is the agent. */
  readonly prometheusAgent?: k8s.helm.v3.Release;

  constructor(name: string, args: ClusterAgentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:ClusterAgents", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const base = chartValues("fluent-bit.yaml") as { config?: { filters?: string } };
    // Our namespace, so the credentials exist before the DaemonSet's pods (Helm's createNamespace
    // accepts an existing one).
    const ns = new k8s.core.v1.Namespace(`${name}-logging-ns`, { metadata: { name: LOGGING_NAMESPACE } }, o);
    const auth = logstashAuthSecret(`${name}-logstash-auth`, LOGGING_NAMESPACE, args.logstashPassword, { ...o, dependsOn: [ns] });
    const logsTls = tlsSecret(`${name}-logstash-tls`, { name: LOGS_CLIENT_TLS_SECRET, namespace: LOGGING_NAMESPACE }, args.logsTls.client, args.logsTls.caCertPem, { ...o, dependsOn: [ns] });
    helmRelease(
      `${name}-fluent-bit`,
      "fluentBit",
      LOGGING_NAMESPACE,
      chartValues("fluent-bit.yaml", {
        env: authEnv(),
        extraVolumes: [{ name: "platform-tls", secret: { secretName: LOGS_CLIENT_TLS_SECRET } }],
        extraVolumeMounts: [{ name: "platform-tls", mountPath: FLUENT_BIT_TLS_DIR, readOnly: true }],
        // Fluent Bit reads its certificate at start: a renewed one rolls the DaemonSet.
        podAnnotations: { "platform/client-cert": rolloutChecksum(args.logsTls.client.certPem) },
        config: {
          filters: `${base.config?.filters ?? ""}${clusterFilter(args.clusterName)}`,
          outputs: pulumi.output(args.logstashIp).apply(logstashOutput),
        },
      }),
      { ...o, dependsOn: [auth, logsTls] },
    );
    if (args.prometheusAgent) {
      // Ours, so the client certificate exists before the agent's first remote write.
      const monitoringNs = new k8s.core.v1.Namespace(`${name}-monitoring-ns`, { metadata: { name: AGENT_MONITORING_NAMESPACE } }, o);
      const metricsTls = tlsSecret(
        `${name}-remote-write-tls`,
        { name: METRICS_CLIENT_TLS_SECRET, namespace: AGENT_MONITORING_NAMESPACE },
        args.metricsTls.client,
        args.metricsTls.caCertPem,
        { ...o, dependsOn: [monitoringNs] },
      );
      // The operator reads the Secret named in tlsConfig itself, from the agent's namespace, and
      // reloads on change (prometheus-operator/prometheus-operator@v0.86.2:pkg/prometheus/store.go,
      // AddRemoteWritesToStore; SafeTLSConfig ca/cert/keySecret in pkg/apis/monitoring/v1/types.go).
      // Go checks the gateway's certificate against the IP we dial (its IP SAN).
      const fromSecret = (key: string) => ({ name: METRICS_CLIENT_TLS_SECRET, key });
      this.prometheusAgent = helmRelease(
        `${name}-prometheus-agent`,
        "kubePrometheusStack",
        AGENT_MONITORING_NAMESPACE,
        chartValues("prometheus-agent.yaml", {
          prometheus: {
            prometheusSpec: {
              externalLabels: { cluster: args.clusterName },
              remoteWrite: [
                {
                  url: remoteWriteUrl(args.prometheusIp),
                  tlsConfig: { ca: { secret: fromSecret(TLS_KEYS.ca) }, cert: { secret: fromSecret(TLS_KEYS.cert) }, keySecret: fromSecret(TLS_KEYS.key) },
                },
              ],
            },
          },
        }),
        { ...o, dependsOn: [metricsTls] },
      );
    }
    this.registerOutputs({});
  }
}
