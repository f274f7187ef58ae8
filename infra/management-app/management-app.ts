import type * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DEFAULT_TENANT, SERVICE_NAMES, WEBHOOK_SECRET_KEY_BYTES, type QueueCapacity, type ServiceName, type UsageRates } from "../../apps/shared/contract";
import { checkTenantNames } from "../config/tenants";
import { GOOGLE_HEALTH_CHECK_RANGES } from "../network/firewall-rules";
import { ApiGateway } from "./api-gateway";
import { AppAutoscaling } from "./app-autoscaling";
import type { JobSizes } from "../config/job-limits";
import { AppConfig } from "./app-config";
import { Identities, APP_NAMESPACE } from "./identities";
import { PipelineObservability, type MonitoringTarget } from "./pipeline-observability";
import { ServiceWorkload } from "./service-workload";

export interface ManagementAppArgs {
  project: string;
  provider: k8s.Provider;
  image: string;
  hostname: string;
  /** Cloud DNS zone of the hostname (TLS certificate authorization). */
  dnsZone: string;
  bucket: gcp.storage.Bucket;
  amqp: { host: pulumi.Input<string>; user: string; password: pulumi.Output<string> };
  redis: { host: pulumi.Input<string>; password: pulumi.Output<string> };
  /** The deployments cluster's DNS endpoint, for the applier's kubeconfig. */
  deploymentsEndpoint: pulumi.Input<string>;
  /** KEDA must be installed before ScaledObjects can exist. */
  keda: pulumi.Resource;
  /** ExternalDNS: the HTTPRoute waits for it, so destroy deletes the route (and ExternalDNS its records) first. */
  dnsWriter?: pulumi.Resource;
  /** The stack's tenants (its `tenants` config), the default one among them: each gets an API token. */
  tenants: readonly string[];
  /** Minimum replicas per service; the autoscalers own the actual count. */
  replicas: number;
  /** Prices of a deployments node's core, GiB and GPU (job usage), from infra/cost. */
  usageRates: UsageRates;
  /** What the stack's Kueue queues can ever admit (admission refuses more at submit). */
  queueCapacity: QueueCapacity;
  /** One job's quota and one container's maximum, derived from the tenants and the job pools. */
  jobSizes: JobSizes;
  /** A cluster with Workload Identity: until one exists the project's identity pool does not. */
  identityPool: pulumi.Resource;
  /** The Prometheus Operator CRDs on the management cluster (the agent's release). */
  monitoringCrds: pulumi.Resource;
  /** The hub's full Prometheus and Grafana, for alert rules and the dashboard. */
  hubMonitoring: MonitoringTarget & { namespace: string };
}

const NAME_PREFIX = "cp";

/**
 * The management cluster's Prometheus agent (kube-prometheus-stack in agent mode, namespace
 * `monitoring`): its pods carry `app.kubernetes.io/name: prometheus-agent`
 * (prometheus-community/helm-charts kube-prometheus-stack templates/prometheus/service.yaml,
 * selector under `agentMode`).
 */
export const PROMETHEUS_SCRAPER = [
  {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
    podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus-agent" } },
  },
];
/**
 * Google's front ends: the Gateway's global external Application Load Balancer reaches zonal NEG
 * (GCE_VM_IP_PORT) backends, pods here, from the health-check ranges, which are also its proxies'
 * (https://cloud.google.com/load-balancing/docs/firewall-rules, "Global external Application Load
 * Balancer"). With TRUSTED_PROXY_HOPS=2 a direct caller could forge X-Forwarded-For: none may connect.
 */
export const GOOGLE_FRONT_ENDS = GOOGLE_HEALTH_CHECK_RANGES.map((cidr) => ({ ipBlock: { cidr } }));

/**
 * The Management App on the management cluster, assembled from one component per concern:
 * Google identities, configuration (Secret, kubeconfig, env typed by the contract), one
 * workload per service, autoscaling, the Gateway, and the pipeline's monitoring.
 */
export class ManagementApp extends pulumi.ComponentResource {
  /** The default tenant's API token (the stack output `apiToken`). */
  readonly apiToken: random.RandomPassword;
  /** Each tenant's API token, by tenant (the stack output `apiTokens`). */
  readonly apiTokens: Readonly<Record<string, random.RandomPassword>>;
  /** The operator's own token for the activity view (never a tenant's). */
  readonly operatorToken: random.RandomPassword;
  /**
   * The key webhook signing secrets are encrypted with in Redis (WEBHOOK_SECRET_KEY). Made once
   * per stack and kept: a new one would leave every stored secret unreadable (deliveries fail).
   */
  readonly webhookSecretKey: random.RandomBytes;
  readonly identities: Identities;

  constructor(name: string, args: ManagementAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:ManagementApp", name, {}, opts);
    if (args.replicas < 2) throw new pulumi.ResourceError("run at least 2 replicas per service: PodDisruptionBudgets and rolling updates need them", this);
    const tenantProblems = checkTenantNames(args.tenants);
    if (tenantProblems.length > 0) throw new pulumi.ResourceError(`tenants: ${tenantProblems.join("; ")}`, this);
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: APP_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
      { parent: this, provider: args.provider },
    );
    const namespace = ns.metadata.name;

    this.identities = new Identities(
      `${name}-identity`,
      { project: args.project, bucket: args.bucket, services: SERVICE_NAMES, identityPool: args.identityPool },
      { parent: this },
    );
    // The default tenant's token keeps the name it had when it was the only one: a new name
    // would be a new resource, and a new token that every existing client lacks.
    this.apiTokens = Object.fromEntries(
      args.tenants.map((t) => [t, new random.RandomPassword(t === DEFAULT_TENANT ? `${name}-api-token` : `${name}-api-token-${t}`, { length: 40, special: false }, { parent: this })]),
    );
    this.apiToken = this.apiTokens[DEFAULT_TENANT]!;
    const apiTokens = Object.fromEntries(Object.entries(this.apiTokens).map(([t, p]) => [t, p.result]));
    this.operatorToken = new random.RandomPassword(`${name}-operator-token`, { length: 40, special: false }, { parent: this });
    // RandomBytes marks base64 and hex as secret outputs (pulumi/pulumi-random@v4.21.2:sdk/nodejs/randomBytes.ts).
    this.webhookSecretKey = new random.RandomBytes(`${name}-webhook-secret-key`, { length: WEBHOOK_SECRET_KEY_BYTES }, { parent: this });

    // Child names keep the `${name}-...` they had before the split: a logical name is an identity.
    const config = new AppConfig(
      name,
      {
        provider: args.provider,
        namespace,
        namePrefix: NAME_PREFIX,
        bucket: args.bucket,
        amqp: args.amqp,
        redis: args.redis,
        apiTokens,
        operatorToken: this.operatorToken.result,
        webhookSecretKey: this.webhookSecretKey.base64,
        deploymentsEndpoint: args.deploymentsEndpoint,
        usageRates: args.usageRates,
        queueCapacity: args.queueCapacity,
        jobSizes: args.jobSizes,
        // The service that serves GET /jobs/:id/logs: the entrypoint, behind the Gateway.
        logReaders: [this.identities.accounts.entrypoint.email],
      },
      { parent: this },
    );

    const workloads = {} as Record<ServiceName, ServiceWorkload>;
    for (const svc of SERVICE_NAMES) {
      workloads[svc] = new ServiceWorkload(
        `${name}-${svc}`,
        {
          service: svc,
          namespace,
          image: args.image,
          env: config.envOf(svc),
          googleServiceAccount: this.identities.accounts[svc].email,
          resources: { cpu: "250m", memory: "384Mi" },
          volumes: config.volumesOf(svc),
          // Prometheus scrapes every service's /metrics; only the entrypoint serves the Gateway.
          ingressFrom: svc === "entrypoint" ? [...PROMETHEUS_SCRAPER, ...GOOGLE_FRONT_ENDS] : PROMETHEUS_SCRAPER,
          provider: args.provider,
        },
        { parent: this },
      );
    }

    new AppAutoscaling(
      name,
      {
        provider: args.provider,
        namespace,
        namePrefix: NAME_PREFIX,
        deployments: Object.fromEntries(SERVICE_NAMES.map((s) => [s, workloads[s].deployment.metadata.name])) as Record<ServiceName, pulumi.Output<string>>,
        secretName: config.secret.metadata.name,
        minReplicas: args.replicas,
        keda: args.keda,
      },
      { parent: this },
    );

    new ApiGateway(
      name,
      { provider: args.provider, namespace, hostname: args.hostname, dnsZone: args.dnsZone, apiService: workloads.entrypoint.service.metadata.name, dnsWriter: args.dnsWriter },
      { parent: this },
    );

    new PipelineObservability(
      `${name}-observability`,
      { app: { provider: args.provider, crds: args.monitoringCrds, namespace }, hub: args.hubMonitoring, namePrefix: NAME_PREFIX },
      { parent: this },
    );
    this.registerOutputs({ namespace, apiToken: this.apiToken.result, apiTokens });
  }
}
