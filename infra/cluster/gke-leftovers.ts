import * as command from "@pulumi/command";
import type * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface GkeLeftoversArgs {
  project: string;
  /** The cluster's VPC: what GKE leaves behind is found by the network it sits in. */
  network: gcp.compute.Network;
  /**
   * What must outlive GKE's clean-up: the cluster itself (its controllers do the deleting) and
   * reserved addresses the load balancers use. The gate depends on them, so destroy removes
   * the gate (and waits) before them.
   */
  after: pulumi.Input<pulumi.Resource>[];
  timeoutSeconds?: number;
}

/**
 * Waits until nothing that GKE created outside the Pulumi state is left in `NETWORK`:
 * forwarding rules of internal load balancers and of the Gateway, the Gateway's network
 * endpoint groups, and the `k8s-*`/`k8s2-*` firewall rules of Services. GKE deletes them
 * asynchronously after their Service or Gateway is gone; until then the reserved addresses,
 * subnets and networks cannot be deleted ("resourceInUseByAnotherResource",
 * hashicorp/terraform-provider-google issue 7637). Needs `gcloud` where `pulumi destroy` runs.
 */
export const WAIT_FOR_LEFTOVERS = `set -euo pipefail
deadline=$((SECONDS + \${TIMEOUT_SECONDS:-900}))
in_network="network~/\${NETWORK}\\$"
while :; do
  left="$(
    gcloud compute forwarding-rules list --project "$PROJECT" --filter "$in_network" --format "value(name)"
    gcloud compute network-endpoint-groups list --project "$PROJECT" --filter "$in_network" --format "value(name)"
    gcloud compute firewall-rules list --project "$PROJECT" --filter "$in_network AND name~^k8s" --format "value(name)"
  )"
  if [ -z "$left" ]; then echo "no GKE leftovers in $NETWORK"; exit 0; fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "GKE has not removed these from $NETWORK yet; delete them, then run pulumi destroy again:" >&2
    echo "$left" >&2
    exit 1
  fi
  sleep "\${POLL_SECONDS:-15}"
done
`;

/**
 * A destroy-time gate between a cluster's Kubernetes objects and its network: the cluster's
 * Kubernetes provider depends on it, so on `pulumi destroy` every Service and Gateway goes
 * first, then this waits for GKE's clean-up, then the cluster, addresses and network go.
 * Creating it does nothing.
 */
export class GkeLeftovers extends pulumi.ComponentResource {
  readonly gate: command.local.Command;

  constructor(name: string, args: GkeLeftoversArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cluster:GkeLeftovers", name, {}, opts);
    this.gate = new command.local.Command(
      `${name}-gate`,
      {
        create: "true",
        delete: WAIT_FOR_LEFTOVERS,
        interpreter: ["/bin/bash", "-c"],
        environment: { PROJECT: args.project, NETWORK: args.network.name, TIMEOUT_SECONDS: String(args.timeoutSeconds ?? 900) },
      },
      { parent: this, dependsOn: args.after },
    );
    this.registerOutputs({});
  }
}
