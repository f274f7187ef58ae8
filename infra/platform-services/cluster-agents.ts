import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartValues } from "./charts";
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
  constructor(name: string, args: ClusterAgentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:ClusterAgents", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    helmRelease(
      `${name}-fluent-bit`,
      "fluentBit",
      "logging",
      chartValues("fluent-bit.yaml", {
        config: {
          outputs: pulumi.interpolate`[OUTPUT]
    Name forward
    Match kube.*
    Host ${args.logstashIp}
    Port 5044
[OUTPUT]
    Name modify
    Match *
    Add cluster ${args.clusterName}
`,
        },
      }),
      o,
    );
    if (args.prometheusAgent) {
      helmRelease(
        `${name}-prometheus-agent`,
        "kubePrometheusStack",
        "monitoring",
        chartValues("prometheus-agent.yaml", {
          prometheus: {
            prometheusSpec: {
              externalLabels: { cluster: args.clusterName },
              remoteWrite: [{ url: pulumi.interpolate`http://${args.prometheusIp}:9090/api/v1/write` }],
            },
          },
        }),
        o,
      );
    }
    this.registerOutputs({});
  }
}
