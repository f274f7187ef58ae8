import * as command from "@pulumi/command";
import type * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface GkeLeftoversArgs {
  project: string;
  /** The cluster's VPC: what GKE leaves behind is found by the network it sits in. */
  network: gcp.compute.Network;
  /** The cluster whose leftovers these are, and its location: gone, nobody else cleans up. */
  cluster: gcp.container.Cluster;
  location: string;
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
 * endpoint groups, and the firewall rules of Services (`k8s-fw-*`, `k8s-*-node-hc`, `k8s2-*`:
 * kubernetes/cloud-provider-gcp@v36.3.8:providers/gce/gce_loadbalancer_naming.go) and of the
 * Gateway controller (`gkegw1-*`). GKE deletes them asynchronously after their Service or
 * Gateway is gone; until then the reserved addresses, subnets and networks cannot be deleted
 * ("resourceInUseByAnotherResource", hashicorp/terraform-provider-google issue 7637).
 *
 * When the cluster itself no longer exists (deleted out of band, or a destroy cut short after
 * the cluster went), no controller will ever remove them: the gate deletes them itself, all of
 * them scoped to `NETWORK`, then checks again. Any other failure of a gcloud call fails the
 * gate: each listing is its own assignment, and `inherit_errexit` makes a failure inside
 * `$( ... )` fail it (without it Bash ignores all but the last command's status there: GNU Bash
 * manual, "The Set Builtin" -e and "The Shopt Builtin" inherit_errexit). Needs `gcloud` where
 * `pulumi destroy` runs.
 */
export const WAIT_FOR_LEFTOVERS = `set -euo pipefail
shopt -s inherit_errexit
deadline=$((SECONDS + \${TIMEOUT_SECONDS:-900}))
in_network="network~/\${NETWORK}\\$"
cluster_gone() {
  local out
  if out="$(gcloud container clusters describe "$CLUSTER" --location "$LOCATION" --project "$PROJECT" --format "value(name)" 2>&1)"; then
    return 1
  fi
  if grep -qiE "NOT_FOUND|not found|404" <<<"$out"; then return 0; fi
  echo "cannot tell whether cluster $CLUSTER exists: $out" >&2
  exit 1
}
while :; do
  rules="$(gcloud compute forwarding-rules list --project "$PROJECT" --filter "$in_network" --format "value(name,region.basename())")"
  negs="$(gcloud compute network-endpoint-groups list --project "$PROJECT" --filter "$in_network" --format "value(name,zone.basename())")"
  fws="$(gcloud compute firewall-rules list --project "$PROJECT" --filter "$in_network AND name~^(k8s|gkegw)" --format "value(name)")"
  left="$rules$negs$fws"
  if [ -z "$left" ]; then echo "no GKE leftovers in $NETWORK"; exit 0; fi
  if cluster_gone; then
    echo "cluster $CLUSTER is gone: deleting what it left in $NETWORK" >&2
    while read -r name region; do
      [ -z "$name" ] && continue
      if [ -n "$region" ]; then gcloud compute forwarding-rules delete "$name" --region "$region" --project "$PROJECT" --quiet
      else gcloud compute forwarding-rules delete "$name" --global --project "$PROJECT" --quiet; fi
    done <<<"$rules"
    while read -r name; do
      [ -z "$name" ] && continue
      gcloud compute firewall-rules delete "$name" --project "$PROJECT" --quiet
    done <<<"$fws"
    while read -r name zone; do
      [ -z "$name" ] && continue
      gcloud compute network-endpoint-groups delete "$name" --zone "$zone" --project "$PROJECT" --quiet
    done <<<"$negs"
    continue
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "GKE has not removed these from $NETWORK yet; delete them, then run pulumi destroy again:" >&2
    printf '%s\n' "$rules" "$negs" "$fws" | sed '/^$/d' >&2
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
        environment: {
          PROJECT: args.project,
          NETWORK: args.network.name,
          CLUSTER: args.cluster.name,
          LOCATION: args.location,
          TIMEOUT_SECONDS: String(args.timeoutSeconds ?? 900),
        },
      },
      { parent: this, dependsOn: args.after },
    );
    this.registerOutputs({});
  }
}
