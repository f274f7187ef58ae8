import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { topology, type ServiceName } from "../../apps/shared/contract";

export interface AppAutoscalingArgs {
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  namePrefix: string;
  /** Deployment name of each service. */
  deployments: Record<ServiceName, pulumi.Input<string>>;
  /** The Secret holding AMQP_URL, which KEDA uses to ask the broker for queue depths. */
  secretName: pulumi.Input<string>;
  minReplicas: number;
  /** KEDA must be installed before ScaledObjects can exist. */
  keda: pulumi.Resource;
}

const QUEUE_OF: Partial<Record<ServiceName, "yaml-manager" | "cluster-applier" | "status-worker">> = {
  "yaml-manager": "yaml-manager",
  "cluster-applier": "cluster-applier",
  "status-worker": "status-worker",
};

/**
 * Who owns `spec.replicas` of each service: KEDA for the workers (their queue's depth, names
 * from the contract), a CPU HPA for the entrypoint. The Deployments leave the field unset, so
 * Pulumi never fights the autoscaler over it.
 *
 * KEDA's `rabbitmq` trigger in `QueueLength` mode over `amqp` inspects the queue through the
 * broker (a passive declare), so it needs only the AMQP URL with credentials (`host`, from a
 * Secret via TriggerAuthentication in the ScaledObject's namespace) and a route to port 5672 on
 * the hub, which the management→hub firewall opens (https://keda.sh/docs/latest/scalers/rabbitmq-queue/).
 */
export class AppAutoscaling extends pulumi.ComponentResource {

  constructor(name: string, args: AppAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:app:AppAutoscaling", name, {}, opts);
    const o = { parent: this, provider: args.provider };
    const t = topology(args.namePrefix);
    const triggerAuth = new k8s.apiextensions.CustomResource(
      `${name}-rabbitmq-auth`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "TriggerAuthentication",
        metadata: { name: "rabbitmq", namespace: args.namespace },
        spec: { secretTargetRef: [{ parameter: "host", name: args.secretName, key: "AMQP_URL" }] },
      },
      { ...o, dependsOn: [args.keda] },
    );
    for (const [svc, queue] of Object.entries(QUEUE_OF) as [ServiceName, NonNullable<(typeof QUEUE_OF)[ServiceName]>][]) {
      new k8s.apiextensions.CustomResource(
        `${name}-${svc}-scaler`,
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledObject",
          metadata: { name: svc, namespace: args.namespace },
          spec: {
            scaleTargetRef: { name: args.deployments[svc] },
            minReplicaCount: args.minReplicas,
            maxReplicaCount: 20,
            triggers: [{ type: "rabbitmq", metadata: { queueName: t.queue(queue), mode: "QueueLength", value: "100", protocol: "amqp" }, authenticationRef: { name: triggerAuth.metadata.name } }],
          },
        },
        { ...o, dependsOn: [args.keda] },
      );
    }
    // The entrypoint has no queue of its own: it scales on CPU.
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-entrypoint-hpa`,
      {
        metadata: { name: "entrypoint", namespace: args.namespace },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deployments.entrypoint },
          minReplicas: args.minReplicas,
          maxReplicas: 10,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        },
      },
      o,
    );
    this.registerOutputs({});
  }
}
