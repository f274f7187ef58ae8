import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../../apps/shared/contract";
import { INTERNAL_LB_ANNOTATIONS, chartValues } from "./charts";
import { helmRelease } from "./helm-release";

export interface HubMonitoringArgs {
  provider: k8s.Provider;
  /** GKE annotation placing Prometheus' Service (remote-write target) on a reserved internal IP. */
  addressAnnotation: pulumi.Input<Record<string, string>>;
  /** The only ranges the internal load balancer admits (the agents' pod ranges). */
  sourceRanges: string[];
  grafanaPassword: pulumi.Output<string>;
}

export const MONITORING_NAMESPACE = "monitoring";

/**
 * kube-prometheus-stack on the hub: the one full Prometheus (it evaluates the alert rules and
 * receives the other clusters' remote writes), Alertmanager and Grafana. Its release installs
 * the Prometheus Operator's CRDs, so every ServiceMonitor, PodMonitor and PrometheusRule on
 * this cluster is ordered after `release`.
 */
export class HubMonitoring extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: HubMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:HubMonitoring", name, {}, opts);
    this.release = helmRelease(
      `${name}-kube-prometheus-stack`,
      "kubePrometheusStack",
      MONITORING_NAMESPACE,
      chartValues("kube-prometheus-stack.yaml", {
        // Explicitly secret: values of a Helm release are stored in Pulumi state.
        grafana: { adminPassword: pulumi.secret(args.grafanaPassword) },
        prometheus: {
          service: {
            type: "LoadBalancer",
            port: PORTS.prometheus,
            loadBalancerSourceRanges: args.sourceRanges,
            annotations: pulumi.output(args.addressAnnotation).apply((x) => ({ ...INTERNAL_LB_ANNOTATIONS, ...x })),
          },
        },
      }),
      { parent: this, provider: args.provider },
    );
    this.registerOutputs({});
  }
}
