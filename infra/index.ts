/**
 * The Pulumi program (`main` in Pulumi.yaml): reads the stack's config once, builds the
 * platform, and exports what users need to reach it.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config/load-config";
import { VPC_NAMES } from "./network/cidr-plan";
import { createPlatform } from "./platform";
import { HUB_SERVICES } from "./platform-services/hub-addresses";
import { ProjectApis } from "./project-apis";
import { createServices } from "./services";

const config = loadPlatformConfig();
// First: every API the resources below call (they wait for theirs through needsApis).
new ProjectApis("apis", { project: config.project });
const platform = createPlatform(config);
const services = createServices(config, platform);

const perCluster = <T>(pick: (v: (typeof VPC_NAMES)[number]) => T) => Object.fromEntries(VPC_NAMES.map((v) => [v, pick(v)]));

export const preset = config.presetName;
export const cidrPlan = config.cidrs;
export const networkIds = perCluster((v) => platform.vpcs[v].network.id);
export const clusterNames = perCluster((v) => platform.clusters[v].cluster.name);
export const clusterEndpoints = perCluster((v) =>
  platform.clusters[v].cluster.controlPlaneEndpointsConfig.apply((c) => c.dnsEndpointConfig?.endpoint),
);
export const kubeconfigs = pulumi.secret(perCluster((v) => platform.clusters[v].kubeconfig));
export const hubAddresses = Object.fromEntries(HUB_SERVICES.map((s) => [s, services.addresses.ip(s)]));
export const jobBucket = services.bucket.bucket.name;
export const apiUrl = `https://${config.app.hostname}`;
/** The default tenant's token (kept for clients that read it before there was one per tenant). */
export const apiToken = services.app.apiToken.result;
/** Each configured tenant's API token, by tenant: `pulumi stack output apiTokens --show-secrets`. */
export const apiTokens = pulumi.secret(Object.fromEntries(Object.entries(services.app.apiTokens).map(([tenant, token]) => [tenant, token.result])));
/** For the idle-destroy workflow (GitHub secret OPERATOR_TOKEN): GET /admin/activity across tenants. */
export const operatorToken = services.app.operatorToken.result;
export const grafanaAdminPassword = services.hub.grafanaPassword.result;
