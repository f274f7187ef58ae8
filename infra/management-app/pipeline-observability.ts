import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_QUEUES, topology } from "../../apps/shared/contract";

export interface PipelineObservabilityArgs {
  namespace: pulumi.Input<string>;
  namePrefix: string;
  provider: k8s.Provider;
}

/**
 * The pipeline as seen by Prometheus and Grafana, as code: a ServiceMonitor for the four
 * services, alert rules (queue depth, dead letters, job failures, errors), and a dashboard.
 * Queue names come from the contract, so they match what the services declare.
 */
export class PipelineObservability extends pulumi.ComponentResource {
  constructor(name: string, args: PipelineObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:PipelineObservability", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const t = topology(args.namePrefix);
    const queues = SERVICE_QUEUES.map((s) => t.queue(s));
    const dlqs = SERVICE_QUEUES.map((s) => t.deadLetterQueue(s));

    new k8s.apiextensions.CustomResource(
      `${name}-servicemonitor`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "management-app", namespace: args.namespace },
        spec: { selector: { matchLabels: { "app.kubernetes.io/part-of": "management-app" } }, endpoints: [{ port: "http", path: "/metrics", interval: "15s" }] },
      },
      o,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "management-app", namespace: args.namespace },
        spec: {
          groups: [
            {
              name: "management-app",
              rules: [
                {
                  alert: "JobQueueBacklog",
                  expr: `sum by (queue) (rabbitmq_detailed_queue_messages_ready{queue=~"${queues.join("|")}"}) > 1000`,
                  for: "10m",
                  labels: { severity: "warning" },
                  annotations: { summary: "{{ $labels.queue }} has a backlog of {{ $value }} messages; the workers are not keeping up" },
                },
                {
                  alert: "DeadLetteredMessages",
                  expr: `max by (queue) (dead_letter_messages{queue=~"${dlqs.join("|")}"}) > 0`,
                  for: "5m",
                  labels: { severity: "warning" },
                  annotations: { summary: "{{ $labels.queue }} holds {{ $value }} dead-lettered messages; inspect and re-drive (npm run dlq:redrive)" },
                },
                {
                  alert: "JobsFailing",
                  expr: `sum(rate(job_status_transitions_total{status="FAILED"}[15m])) / clamp_min(sum(rate(jobs_submitted_total[15m])), 1e-9) > 0.1`,
                  for: "15m",
                  labels: { severity: "critical" },
                  annotations: { summary: "more than 10% of jobs end FAILED" },
                },
                {
                  alert: "ApiErrors",
                  expr: `sum(rate(http_request_duration_seconds_count{code=~"5.."}[5m])) / clamp_min(sum(rate(http_request_duration_seconds_count[5m])), 1e-9) > 0.05`,
                  for: "10m",
                  labels: { severity: "critical" },
                  annotations: { summary: "more than 5% of API requests fail with 5xx" },
                },
              ],
            },
          ],
        },
      },
      o,
    );
    const panel = (title: string, expr: string, y: number) => ({ type: "timeseries", title, gridPos: { x: 0, y, w: 24, h: 8 }, targets: [{ expr, legendFormat: "{{queue}}{{status}}{{code}}" }] });
    new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: { name: "management-app-dashboard", namespace: args.namespace, labels: { grafana_dashboard: "1" } },
        data: {
          "management-app.json": JSON.stringify({
            title: "Management App pipeline",
            uid: "management-app",
            schemaVersion: 39,
            panels: [
              panel("Queue depth", `sum by (queue) (rabbitmq_detailed_queue_messages_ready{queue=~"${queues.join("|")}"})`, 0),
              panel("Jobs by new status (per second)", "sum by (status) (rate(job_status_transitions_total[5m]))", 8),
              panel("API answers by code (per second)", "sum by (code) (rate(http_request_duration_seconds_count[5m]))", 16),
              panel("Dead-lettered messages", "max by (queue) (dead_letter_messages)", 24),
            ],
          }),
        },
      },
      o,
    );
    this.registerOutputs({});
  }
}
