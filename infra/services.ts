import type { PlatformConfig } from "./config/platform-config";
import { usageRatesFor } from "./cost/usage-rates";
import { DeploymentsAccess } from "./management-app/deployments-access";
import { JobBucket } from "./management-app/job-bucket";
import { ManagementApp } from "./management-app/management-app";
import { VPC_NAMES, type VpcName } from "./network/cidr-plan";
import type { Platform } from "./platform";
import { hubSourceRanges } from "./platform-ports";
import { ClusterAgents } from "./platform-services/cluster-agents";
import { HUB_SERVICES, type HubService } from "./platform-services/hub-addresses";
import { APP_AMQP_USER, HubServices } from "./platform-services/hub-services";
import { MONITORING_NAMESPACE } from "./platform-services/hub-monitoring";
import { ManagementAddons } from "./platform-services/management-addons";
import { Kueue } from "./platform-services/kueue";
import { queueCapacity } from "./platform-services/kueue-objects";
import { jobSizes } from "./config/job-limits";

/**
 * What runs on the clusters: platform services on the hub, log and metric agents everywhere,
 * add-ons and the Management App on `management`, the applier's rights on `deployments`.
 * Whatever creates Prometheus Operator objects on a cluster waits for the release that
 * installs those CRDs there: the hub's kube-prometheus-stack, or the cluster's agent.
 */
export const createServices = (cfg: PlatformConfig, platform: Platform) => {
  const { clusters, addresses } = platform;
  const podRanges = Object.fromEntries(VPC_NAMES.map((v) => [v, cfg.cidrs[v].pods])) as Record<VpcName, string>;
  const sourceRanges = Object.fromEntries(HUB_SERVICES.map((s) => [s, hubSourceRanges(s, podRanges)])) as Record<HubService, string[]>;
  const hub = new HubServices("hub-services", { provider: clusters.resources.provider, addresses, sourceRanges });
  const agents = {} as Record<VpcName, ClusterAgents>;
  for (const v of VPC_NAMES) {
    agents[v] = new ClusterAgents(`${v}-agents`, {
      provider: clusters[v].provider,
      clusterName: v,
      logstashIp: addresses.ip("logstash"),
      prometheusIp: addresses.ip("prometheus"),
      prometheusAgent: v !== "resources",
      logstashPassword: hub.logstashPassword.result,
      logsTls: hub.logsTls,
      metricsTls: hub.metricsTls,
    });
  }
  const managementCrds = agents.management.prometheusAgent!;
  const addons = new ManagementAddons("management-addons", {
    project: cfg.project,
    provider: clusters.management.provider,
    dnsZone: cfg.app.dnsZone,
    domain: cfg.app.domain,
    identityPool: clusters.management.cluster,
    monitoringCrds: managementCrds,
  });
  const capacity = queueCapacity(cfg.tenants, cfg.jobPools);
  const bucket = new JobBucket("app", { location: cfg.region, retentionDays: cfg.app.retentionDays, labels: cfg.labels, forceDestroy: !cfg.deletionProtection });
  const app = new ManagementApp("app", {
    project: cfg.project,
    provider: clusters.management.provider,
    image: cfg.app.image,
    hostname: cfg.app.hostname,
    dnsZone: cfg.app.dnsZone,
    bucket: bucket.bucket,
    amqp: { host: addresses.ip("rabbitmq"), user: APP_AMQP_USER, password: hub.rabbitmqPassword.result },
    redis: { host: addresses.ip("redis"), password: hub.redisPassword.result },
    deploymentsEndpoint: clusters.deployments.cluster.controlPlaneEndpointsConfig.apply((c) => c.dnsEndpointConfig?.endpoint ?? ""),
    keda: addons.keda,
    dnsWriter: addons.externalDns,
    tenants: cfg.tenants.map((t) => t.name),
    replicas: cfg.app.replicas,
    identityPool: clusters.management.cluster,
    monitoringCrds: managementCrds,
    hubMonitoring: { provider: clusters.resources.provider, crds: hub.monitoring.release, namespace: MONITORING_NAMESPACE },
    queueCapacity: capacity,
    jobSizes: jobSizes(capacity, cfg.jobPools, cfg.jobLimits),
    usageRates: usageRatesFor(cfg.region, cfg.jobPools.cpu.machineType, cfg.preset.spot, cfg.jobPools.gpu),
  });
  new DeploymentsAccess("deployments-access", { provider: clusters.deployments.provider, applierEmail: app.identities.accounts["cluster-applier"].email });
  const kueue = new Kueue("deployments-kueue", {
    provider: clusters.deployments.provider,
    pools: cfg.jobPools,
    tenants: cfg.tenants,
    queueReaders: [app.identities.accounts.entrypoint.email],
    // A destroy that deletes the cluster takes Kueue with it, jobs running or not.
    deletedWith: cfg.deletionProtection ? undefined : clusters.deployments.cluster,
  });
  return { addresses, hub, bucket, app, kueue };
};
