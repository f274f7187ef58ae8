import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { CHARTS, chartSource } from "./charts";

/**
 * A Helm chart as a real Helm release (`helm.v3.Release`). We use it for operators and
 * charts with CRDs and hooks: Helm manages CRD installation, hooks and upgrades, and
 * `helm rollback` stays possible for operators of the clusters.
 */
export const helmRelease = (
  name: string,
  chart: keyof typeof CHARTS,
  namespace: string,
  values: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions,
) =>
  new k8s.helm.v3.Release(
    name,
    {
      ...chartSource(CHARTS[chart]),
      namespace,
      createNamespace: true,
      values,
      atomic: true,
      timeout: 900,
      maxHistory: 5,
    },
    opts,
  );

/**
 * A Helm chart rendered into individual Kubernetes resources (`helm.v4.Chart`). We use it
 * for charts that only hold custom resources for an operator installed separately: each
 * object is then a Pulumi resource, in the preview and in the policy pack's view.
 */
export const renderedChart = (
  name: string,
  chart: keyof typeof CHARTS,
  namespace: string,
  values: Record<string, unknown>,
  opts: pulumi.ComponentResourceOptions,
) =>
  new k8s.helm.v4.Chart(
    name,
    { ...chartSource(CHARTS[chart]), namespace, values },
    opts,
  );
