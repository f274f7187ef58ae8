import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PATHS, PORTS } from "../../apps/shared/contract";
import { IMAGES, INTERNAL_LB_ANNOTATIONS } from "./charts";
import { TLS_KEYS, tlsSecret, type MutualTls } from "./mutual-tls";
import { rolloutChecksum } from "../rollout-checksum";

export interface RemoteWriteGatewayArgs {
  provider: k8s.Provider;
  namespace: string;
  /** GKE annotation placing the gateway's Service on the hub's reserved address for remote write. */
  addressAnnotation: pulumi.Input<Record<string, string>>;
  /** The only ranges its internal load balancer admits (the agents' pod ranges). */
  sourceRanges: string[];
  /** The metrics authority: the gateway's server certificate, and the one client name it lets in. */
  tls: Pick<MutualTls, "server" | "caCertPem">;
  clientName: string;
  replicas?: number;
}

/**
 * The Service the Prometheus Operator creates beside every Prometheus, selecting its pods on the
 * `web` port (prometheus-operator/prometheus-operator@v0.86.2:pkg/prometheus/server/statefulset.go,
 * governingServiceName `prometheus-operated`).
 */
export const PROMETHEUS_GOVERNING_SERVICE = "prometheus-operated";
export const REMOTE_WRITE_GATEWAY = "remote-write-gateway";
export const REMOTE_WRITE_TLS_SECRET = "remote-write-server-tls";
/** ghostunnel's status endpoint (`/_status`), plain HTTP so the kubelet can probe it. */
export const GATEWAY_STATUS_PORT = 6060;
const TLS_DIR = "/etc/remote-write-tls";

/**
 * Why a gateway rather than Prometheus' own TLS: the Prometheus Operator (v0.86.2, the one
 * kube-prometheus-stack 79.5.0 ships) supports `spec.web.tlsConfig` with client certificates,
 * but then points every probe of the Prometheus container at HTTPS (pkg/prometheus/promcfg.go,
 * buildProbeHandler), and the kubelet cannot present a client certificate: with
 * `RequireAndVerifyClientCert` the pod never becomes ready (prometheus-operator issue 5419,
 * open). Basic auth is not offered by `spec.web` at all. So Prometheus stays on plain HTTP
 * inside the hub, and the one path from other clusters is ghostunnel, a TLS proxy built for
 * exactly this: it terminates TLS, requires a client certificate of the metrics authority
 * with the agents' common name (`--allow-cn`), and forwards to Prometheus' `web` port.
 * Flags: ghostunnel/ghostunnel@v1.11.1:main.go (server --listen --target --unsafe-target
 * --cert --key --cacert --allow-cn --status; a `--status` address without `http://` is served
 * over HTTPS, socket/net.go). The hop from the gateway to Prometheus stays inside the hub.
 */
export class RemoteWriteGateway extends pulumi.ComponentResource {
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: RemoteWriteGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:RemoteWriteGateway", name, {}, opts);
    if (args.sourceRanges.length === 0) throw new pulumi.ResourceError("the remote-write gateway needs the ranges of its clients: with none, GKE's firewall rule admits 0.0.0.0/0", this);
    const o = { parent: this, provider: args.provider };
    const labels = { "app.kubernetes.io/name": REMOTE_WRITE_GATEWAY };
    const secret = tlsSecret(`${name}-tls`, { name: REMOTE_WRITE_TLS_SECRET, namespace: args.namespace }, args.tls.server, args.tls.caCertPem, o);
    const probe = { httpGet: { path: "/_status", port: GATEWAY_STATUS_PORT, scheme: "HTTP" }, periodSeconds: 10 };
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: REMOTE_WRITE_GATEWAY, namespace: args.namespace, labels },
        spec: {
          replicas: args.replicas ?? 2,
          selector: { matchLabels: labels },
          template: {
            // ghostunnel reads its certificate at start: a renewed one rolls the pods.
            metadata: { labels, annotations: { "platform/server-cert": rolloutChecksum(args.tls.server.certPem) } },
            spec: {
              automountServiceAccountToken: false,
              securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "ghostunnel",
                  image: IMAGES.ghostunnel,
                  args: [
                    "server",
                    `--listen=0.0.0.0:${PORTS.remoteWrite}`,
                    `--target=${PROMETHEUS_GOVERNING_SERVICE}.${args.namespace}.svc:${PORTS.prometheus}`,
                    // Without it, ghostunnel forwards only to localhost or a UNIX socket (main.go, --unsafe-target).
                    "--unsafe-target",
                    `--cert=${TLS_DIR}/${TLS_KEYS.cert}`,
                    `--key=${TLS_DIR}/${TLS_KEYS.key}`,
                    `--cacert=${TLS_DIR}/${TLS_KEYS.ca}`,
                    `--allow-cn=${args.clientName}`,
                    `--status=http://0.0.0.0:${GATEWAY_STATUS_PORT}`,
                  ],
                  ports: [
                    { name: "remote-write", containerPort: PORTS.remoteWrite },
                    { name: "status", containerPort: GATEWAY_STATUS_PORT },
                  ],
                  readinessProbe: probe,
                  livenessProbe: { ...probe, failureThreshold: 6 },
                  resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  volumeMounts: [{ name: "tls", mountPath: TLS_DIR, readOnly: true }],
                },
              ],
              volumes: [{ name: "tls", secret: { secretName: REMOTE_WRITE_TLS_SECRET } }],
            },
          },
        },
      },
      { ...o, dependsOn: [secret] },
    );
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: REMOTE_WRITE_GATEWAY, namespace: args.namespace, labels, annotations: pulumi.output(args.addressAnnotation).apply((x) => ({ ...INTERNAL_LB_ANNOTATIONS, ...x })) },
        spec: {
          type: "LoadBalancer",
          selector: labels,
          loadBalancerSourceRanges: args.sourceRanges,
          ports: [{ name: "remote-write", port: PORTS.remoteWrite, targetPort: "remote-write", protocol: "TCP" }],
        },
      },
      o,
    );
    this.registerOutputs({});
  }
}

/** The URL agents remote-write to: the gateway's address, over TLS. */
export const remoteWriteUrl = (ip: pulumi.Input<string>): pulumi.Output<string> => pulumi.interpolate`https://${ip}:${PORTS.remoteWrite}${PATHS.remoteWrite}`;
