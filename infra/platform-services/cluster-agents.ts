import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PATHS, PORTS } from "../../apps/shared/contract";
import { chartValues } from "./charts";
import { clusterFilter, logstashOutput } from "./fluent-bit-config";
import { helmRelease } from "./helm-release";
import { authEnv, logstashAuthSecret } from "./logstash-auth";

export const LOGGING_NAMESPACE = "logging";

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
    helmRelease(
      `${name}-fluent-bit`,
      "fluentBit",
      LOGGING_NAMESPACE,
      chartValues("fluent-bit.yaml", {
        env: authEnv(),
        config: {
          filters: `${base.config?.filters ?? ""}${clusterFilter(args.clusterName)}`,
          outputs: pulumi.output(args.logstashIp).apply(logstashOutput),
        },
      }),
      { ...o, dependsOn: [auth] },
    );
    if (args.prometheusAgent) {
      this.prometheusAgent = helmRelease(
        `${name}-prometheus-agent`,
        "kubePrometheusStack",
        "monitoring",
        chartValues("prometheus-agent.yaml", {
          prometheus: {
            prometheusSpec: {
              externalLabels: { cluster: args.clusterName },
              remoteWrite: [{ url: pulumi.interpolate`http://${args.prometheusIp}:${PORTS.prometheus}${PATHS.remoteWrite}` }],
            },
          },
        }),
        o,
      );
    }
    this.registerOutputs({});
  }
}
