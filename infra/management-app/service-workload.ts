import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORT, HEALTH_PATH, METRICS_PATH, PORTS, READY_PATH, TIMINGS, type ServiceName } from "../../apps/shared/contract";

export interface ServiceWorkloadArgs {
  service: ServiceName;
  namespace: pulumi.Input<string>;
  image: string;
  env: k8s.types.input.core.v1.EnvVar[];
  googleServiceAccount: pulumi.Input<string>;
  resources: { cpu: string; memory: string };
  /**
   * Extra volumes (the API tokens Secret, the applier's kubeconfig). A volume's `checksum`, of what
   * the service reads from it once at start, goes into the pod template: a change rolls the pods.
   */
  volumes?: { name: string; mountPath: string; volume: k8s.types.input.core.v1.Volume; checksum?: pulumi.Input<string> }[];
  provider: k8s.Provider;
  /**
   * Who may open connections to the pod's port (NetworkPolicy `from` peers); nothing else in the
   * cluster may. The kubelet's probes from the pod's own node are allowed whatever the policy
   * (https://kubernetes.io/docs/concepts/services-networking/network-policies/).
   */
  ingressFrom: k8s.types.input.networking.v1.NetworkPolicyPeer[];
}

/** Seconds a pod gets to drain after SIGTERM; the services exit on their own before (contract). */
export const GRACE_SECONDS = TIMINGS.terminationGraceSeconds;

/**
 * One Management App service in the cluster: ServiceAccount bound to its Google identity,
 * Deployment (probes on the contract's paths, restricted security context, resources,
 * graceful shutdown), Service, PodDisruptionBudget and a NetworkPolicy admitting only HTTP, and
 * only from the peers it names.
 */
export class ServiceWorkload extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: ServiceWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:ServiceWorkload", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const labels = { "app.kubernetes.io/name": args.service, "app.kubernetes.io/part-of": "management-app" };
    const meta = { name: args.service, namespace: args.namespace, labels };

    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { ...meta, annotations: { "iam.gke.io/gcp-service-account": args.googleServiceAccount } } }, o);
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta,
        spec: {
          // No `replicas`: KEDA or the HPA owns it. Set here, the next `pulumi up` would conflict
          // with the autoscaler's field manager (server-side apply does not force; see
          // pulumi/pulumi-kubernetes issues 2491 and 2569, and "Migrating Deployments and
          // StatefulSets to horizontal autoscaling" in
          // https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/).
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels,
              annotations: {
                "prometheus.io/port": String(CONTAINER_PORT),
                "prometheus.io/path": METRICS_PATH,
                ...Object.fromEntries((args.volumes ?? []).filter((v) => v.checksum !== undefined).map((v) => [`platform/${v.name}`, v.checksum!])),
              },
            },
            spec: {
              serviceAccountName: sa.metadata.name,
              terminationGracePeriodSeconds: GRACE_SECONDS,
              securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: args.service,
                  image: args.image,
                  args: [args.service],
                  ports: [{ name: "http", containerPort: CONTAINER_PORT }],
                  env: args.env,
                  resources: { requests: args.resources, limits: { memory: args.resources.memory } },
                  livenessProbe: { httpGet: { path: HEALTH_PATH, port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                  readinessProbe: { httpGet: { path: READY_PATH, port: "http" }, periodSeconds: 5, failureThreshold: 2 },
                  startupProbe: { httpGet: { path: HEALTH_PATH, port: "http" }, periodSeconds: 2, failureThreshold: 30 },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(args.volumes ?? []).map((v) => ({ name: v.name, mountPath: v.mountPath, readOnly: true }))],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: {} }, ...(args.volumes ?? []).map((v) => v.volume)],
            },
          },
        },
      },
      o,
    );
    this.service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta, spec: { selector: labels, ports: [{ name: "http", port: PORTS.appService, targetPort: "http" }] } }, o);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } }, o);
    new k8s.networking.v1.NetworkPolicy(
      `${name}-netpol`,
      {
        metadata: meta,
        spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress"], ingress: [{ from: args.ingressFrom, ports: [{ port: CONTAINER_PORT, protocol: "TCP" }] }] },
      },
      o,
    );
    this.registerOutputs({ deployment: this.deployment.metadata.name });
  }
}
