/**
 * The Pulumi program (`main` in Pulumi.yaml): reads the stack's config once, builds the
 * platform, and exports what users need to reach it.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config/load-config";
import { VPC_NAMES } from "./network/cidr-plan";
import { createPlatform } from "./platform";

const config = loadPlatformConfig();
const platform = createPlatform(config);

const perCluster = <T>(pick: (v: (typeof VPC_NAMES)[number]) => T) => Object.fromEntries(VPC_NAMES.map((v) => [v, pick(v)]));

export const preset = config.presetName;
export const cidrPlan = config.cidrs;
export const networkIds = perCluster((v) => platform.vpcs[v].network.id);
export const clusterNames = perCluster((v) => platform.clusters[v].cluster.name);
export const clusterEndpoints = perCluster((v) =>
  platform.clusters[v].cluster.controlPlaneEndpointsConfig.apply((c) => c.dnsEndpointConfig?.endpoint),
);
export const kubeconfigs = pulumi.secret(perCluster((v) => platform.clusters[v].kubeconfig));
