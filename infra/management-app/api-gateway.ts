import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { API_PATH_PREFIXES as API_PREFIXES, OPERATOR_PATH_PREFIXES, CONSOLE_ASSETS_PATH, CONSOLE_PATH, PATHS, PORTS } from "../../apps/shared/contract";
import { ApiCertificate } from "./api-certificate";

export interface ApiGatewayArgs {
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  hostname: string;
  /** Cloud DNS zone of the hostname (TLS certificate authorization). */
  dnsZone: string;
  /** The Service that serves the whole public API. */
  apiService: pulumi.Input<string>;
  /** ExternalDNS, which publishes the route's hostname: the route is deleted before it. */
  dnsWriter?: pulumi.Resource;
}

/** The public API's paths; everything else (health, metrics) stays inside the cluster. */
export const API_PATH_PREFIXES = [...API_PREFIXES, ...OPERATOR_PATH_PREFIXES, CONSOLE_ASSETS_PATH] as const;
/** The web console's page: exactly `/` (a `/` prefix would publish health and metrics too). */
export const API_EXACT_PATHS = [CONSOLE_PATH] as const;
export const GATEWAY_CLASS = "gke-l7-global-external-managed";
/**
 * The entrypoint's TRUSTED_PROXY_HOPS behind this Gateway. The global external Application Load
 * Balancer appends `<immediate client IP>, <load balancer IP>` to X-Forwarded-For and only those
 * two entries are its own; earlier ones are the client's, unverified
 * (https://cloud.google.com/load-balancing/docs/https#x-forwarded-for_header). Its proxy is the
 * socket's peer (hop 1), the load balancer entry hop 2, so the client is the entry before that.
 */
export const GATEWAY_PROXY_HOPS = 2;

/**
 * HTTP entry through the GKE Gateway: HTTPS only (bearer tokens never cross the Internet in
 * clear) with a Google-managed certificate, routed by path only. GKE's Gateway classes do not
 * support HTTPRoute `method` matches (HTTPRouteMethodMatching is not in GKE's Gateway API
 * conformance reports, kubernetes-sigs/gateway-api conformance/reports, GKE entries), so reads and
 * writes of `/jobs/{id}` cannot go to different Services: the entrypoint serves the whole API.
 *
 * GKE health-checks a Gateway backend with `GET /` on the serving port unless a
 * HealthCheckPolicy says otherwise (https://cloud.google.com/kubernetes-engine/docs/how-to/configure-gateway-resources#configure_health_check);
 * the app answers 404 there, so the policy points the check at the readiness path, on the port
 * the load balancer sends traffic to (the pod's, PORTS.app, through the Service's targetPort).
 */
export class ApiGateway extends pulumi.ComponentResource {
  constructor(name: string, args: ApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:ApiGateway", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const certificate = new ApiCertificate(`${name}-tls`, { hostname: args.hostname, dnsZone: args.dnsZone }, { parent: this });
    const gateway = new k8s.apiextensions.CustomResource(
      `${name}-gateway`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: "management-app", namespace: args.namespace, annotations: { "networking.gke.io/certmap": certificate.map.name } },
        spec: { gatewayClassName: GATEWAY_CLASS, listeners: [{ name: "https", protocol: "HTTPS", port: 443, hostname: args.hostname }] },
      },
      o,
    );
    const backendRefs = [{ name: args.apiService, port: PORTS.appService }];
    new k8s.apiextensions.CustomResource(
      `${name}-route`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "management-app", namespace: args.namespace },
        spec: {
          parentRefs: [{ name: gateway.metadata.name }],
          hostnames: [args.hostname],
          rules: [
            {
              matches: [
                ...API_PATH_PREFIXES.map((value) => ({ path: { type: "PathPrefix", value } })),
                ...API_EXACT_PATHS.map((value) => ({ path: { type: "Exact", value } })),
              ],
              backendRefs,
            },
          ],
        },
      },
      { ...o, dependsOn: args.dnsWriter ? [args.dnsWriter] : [] },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-healthcheck`,
      {
        apiVersion: "networking.gke.io/v1",
        kind: "HealthCheckPolicy",
        metadata: { name: "management-app-api", namespace: args.namespace },
        spec: {
          default: { config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_SERVING_PORT", requestPath: PATHS.ready } } },
          targetRef: { group: "", kind: "Service", name: args.apiService },
        },
      },
      o,
    );
    this.registerOutputs({});
  }
}
