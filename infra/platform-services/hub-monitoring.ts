import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../../apps/shared/contract";
import { chartValues } from "./charts";
import { helmRelease } from "./helm-release";
import type { MutualTls } from "./mutual-tls";
import { RemoteWriteGateway } from "./remote-write-gateway";

export interface HubMonitoringArgs {
  provider: k8s.Provider;
  /** GKE annotation placing the remote-write gateway's Service on a reserved internal IP. */
  addressAnnotation: pulumi.Input<Record<string, string>>;
  /** The only ranges the gateway's internal load balancer admits (the agents' pod ranges). */
  sourceRanges: string[];
  /** The metrics authority: the gateway's certificate, and the agents' client name. */
  tls: Pick<MutualTls, "server" | "caCertPem">;
  clientName: string;
  grafanaPassword: pulumi.Output<string>;
}

export const MONITORING_NAMESPACE = "monitoring";

/**
 * kube-prometheus-stack on the hub: the one full Prometheus (it evaluates the alert rules and
 * receives the other clusters' remote writes), Alertmanager and Grafana. Its release installs
 * the Prometheus Operator's CRDs, so every ServiceMonitor, PodMonitor and PrometheusRule on
 * this cluster is ordered after `release`. Prometheus' own Service stays ClusterIP (the chart's
 * default, kube-prometheus-stack-79.5.0 values.yaml prometheus.service.type): other clusters
 * reach it only through the remote-write gateway, with a client certificate.
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
        prometheus: { service: { port: PORTS.prometheus } },
      }),
      { parent: this, provider: args.provider },
    );
    new RemoteWriteGateway(
      `${name}-remote-write`,
      { provider: args.provider, namespace: MONITORING_NAMESPACE, addressAnnotation: args.addressAnnotation, sourceRanges: args.sourceRanges, tls: args.tls, clientName: args.clientName },
      // The release creates the namespace.
      { parent: this, dependsOn: [this.release] },
    );
    this.registerOutputs({});
  }
}
