import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PATHS, PORTS } from "../../apps/shared/contract";
import { chartValues } from "./charts";
import { clusterFilter, logstashOutput } from "./fluent-bit-config";
import { helmRelease } from "./helm-release";

export interface ClusterAgentsArgs {
  provider: k8s.Provider;
  /** The cluster's name, added to every log record and series. */
  clusterName: string;
  logstashIp: pulumi.Input<string>;
  prometheusIp: pulumi.Input<string>;
  /** The hub runs the full Prometheus; other clusters run an agent that remote-writes to it. */
  prometheusAgent: boolean;
}

/** Log and metric shipping on one cluster: Fluent Bit to Logstash, Prometheus (agent) to the hub. */
export class ClusterAgents extends pulumi.ComponentResource {
  /** The release that installs the Prometheus Operator's CRDs on this cluster, when it is the agent. */
  readonly prometheusAgent?: k8s.helm.v3.Release;

  constructor(name: string, args: ClusterAgentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:ClusterAgents", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const base = chartValues("fluent-bit.yaml") as { config?: { filters?: string } };
    helmRelease(
      `${name}-fluent-bit`,
      "fluentBit",
      "logging",
      chartValues("fluent-bit.yaml", {
        config: {
          filters: `${base.config?.filters ?? ""}${clusterFilter(args.clusterName)}`,
          outputs: pulumi.output(args.logstashIp).apply(logstashOutput),
        },
      }),
      o,
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
