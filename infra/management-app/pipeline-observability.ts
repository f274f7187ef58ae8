import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PATHS, REDIS_CIRCUIT_FAILURES, SERVICE_QUEUES, TIMINGS, topology } from "../../apps/shared/contract";

/** A cluster to put monitoring objects on, and the release that installed their CRDs there. */
export interface MonitoringTarget {
  provider: k8s.Provider;
  crds: pulumi.Resource;
}

export interface PipelineObservabilityArgs {
  /** Where the services run: the ServiceMonitor goes there (its Prometheus agent scrapes it). */
  app: MonitoringTarget & { namespace: pulumi.Input<string> };
  /** Where the full Prometheus and Grafana run: rules and dashboard go there. */
  hub: MonitoringTarget & { namespace: string };
  namePrefix: string;
}

/**
 * The pipeline as seen by Prometheus and Grafana, as code: a ServiceMonitor for the four
 * services next to them, and on the hub the alert rules (queue depth, dead letters, job
 * failures, errors, Redis timeouts) and a dashboard. An agent-mode Prometheus evaluates no rules and the
 * management cluster has no Grafana (prometheus-operator Documentation/platform/prometheus-agent.md),
 * so those live where the full Prometheus runs. Queue names come from the contract.
 */
export class PipelineObservability extends pulumi.ComponentResource {
  constructor(name: string, args: PipelineObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:PipelineObservability", name, {}, opts);
    const onApp = { parent: this, provider: args.app.provider, dependsOn: [args.app.crds] };
    const onHub = { parent: this, provider: args.hub.provider, dependsOn: [args.hub.crds] };
    const t = topology(args.namePrefix);
    const queues = SERVICE_QUEUES.map((s) => t.queue(s));
    const dlqs = SERVICE_QUEUES.map((s) => t.deadLetterQueue(s));

    new k8s.apiextensions.CustomResource(
      `${name}-servicemonitor`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "management-app", namespace: args.app.namespace },
        spec: { selector: { matchLabels: { "app.kubernetes.io/part-of": "management-app" } }, endpoints: [{ port: "http", path: PATHS.metrics, interval: "15s" }] },
      },
      onApp,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "management-app", namespace: args.hub.namespace },
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
                {
                  // Counted by the services (apps/shared/metrics/metrics.ts) for each Redis call given
                  // up after REDIS_COMMAND_TIMEOUT_MS while connected; a down Redis is /readyz's.
                  alert: "RedisCommandsTimingOut",
                  expr: `sum by (client) (rate(redis_command_timeouts_total[5m])) > 0`,
                  for: "5m",
                  labels: { severity: "warning" },
                  annotations: {
                    summary: "Redis calls of {{ $labels.client }} time out ({{ $value | humanize }} per second): Redis is connected but not answering",
                    description:
                      `The Management App gives up Redis calls not answered within REDIS_COMMAND_TIMEOUT_MS. job_store: the API answers 503 and the status worker holds its messages; rate_limiter: limits are counted in memory; event_tail: live event streams reconnect. job_store and rate_limiter each have a circuit breaker (redis_circuit_open): after ${REDIS_CIRCUIT_FAILURES} failures in a row it refuses their calls at once without asking Redis, and its one probe every ${TIMINGS.redisCircuitResetMs / 1000} s keeps this count growing while Redis does not answer. Check Redis's own metrics (latency, CPU, memory, blocked clients, a failover under way); if they look healthy, the network between the management and resources clusters. See docs/operator-guide.md, A Redis that hangs.`,
                  },
                },
              ],
            },
          ],
        },
      },
      onHub,
    );
    const panel = (title: string, expr: string, y: number) => ({ type: "timeseries", title, gridPos: { x: 0, y, w: 24, h: 8 }, targets: [{ expr, legendFormat: "{{queue}}{{status}}{{code}}" }] });
    new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: { name: "management-app-dashboard", namespace: args.hub.namespace, labels: { grafana_dashboard: "1" } },
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
      onHub,
    );
    this.registerOutputs({});
  }
}
