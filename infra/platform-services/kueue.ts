import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { POOL_LABEL, POOLS, QUEUE_READER_ACCESS } from "../../apps/shared/contract";
import type { Tenant } from "../config/tenants";
import type { JobPools } from "../../stacks/presets";
import { chartValues } from "./charts";
import { helmRelease } from "./helm-release";
import { KUEUE_NAMESPACE, clusterQueue, kueueManagerConfig, resourceFlavors } from "./kueue-objects";

export interface KueueArgs {
  /** The deployments cluster's provider. */
  provider: k8s.Provider;
  pools: JobPools;
  tenants: Tenant[];
  /** The read API's identities (GET /queues): they may read the ClusterQueues, nothing else of Kueue. */
  queueReaders: pulumi.Input<string>[];
  /**
   * The deployments cluster, when a destroy may delete it (deletion protection off): everything
   * here then goes with it instead of being deleted one by one (see below). Left out, a destroy
   * deletes Kueue's objects itself and waits for Kueue to let them go.
   */
  deletedWith?: pulumi.Resource;
}

/**
 * Kueue on the deployments cluster: the chart (a real Helm release: it installs Kueue's CRDs,
 * webhooks and the visibility APIService, and Helm keeps their upgrades), then what uses its
 * CRDs: one ResourceFlavor per node pool and one ClusterQueue per tenant in one cohort. The
 * release waits for the manager to be ready, so Kueue's webhooks answer before our objects come.
 *
 * With `args.deletedWith`, a destroy that deletes the cluster never deletes any of this one by
 * one: it goes with the cluster (Pulumi's `deletedWith`, which the engine gives every child:
 * pulumi/pulumi@v3.247.0:pkg/resource/deploy/source_eval.go, inheritFromParent). One by one it
 * would wait on Kueue (kubernetes-sigs/kueue@v0.19.2): a ClusterQueue keeps its
 * `kueue.x-k8s.io/resource-in-use` finalizer while an admitted workload holds quota
 * (pkg/controller/core/clusterqueue_controller.go:193-209), a ResourceFlavor while a ClusterQueue
 * uses it (resourceflavor_controller.go:106-121), and uninstalling the release deletes Kueue's
 * CRDs (the chart has them in templates/crd/) and, `atomic`, waits until they are gone, which
 * every unfinished Workload's finalizer prevents once the manager is gone
 * (pkg/controller/jobframework/utils.go:273). pulumi-kubernetes waits 10 minutes for a deleted
 * object, and `pulumi.com/skipAwait` does not skip that for custom resources
 * (pulumi/pulumi-kubernetes@v4.32.0:provider/pkg/metadata/overrides.go, DeletedCondition).
 * Nothing of Kueue's holds anything outside the cluster: no load balancer, no volume.
 */
export class Kueue extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly flavors: k8s.apiextensions.CustomResource[];
  readonly clusterQueues: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: KueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:Kueue", name, {}, { ...opts, deletedWith: args.deletedWith ?? opts?.deletedWith });
    const o = { parent: this, provider: args.provider };
    this.release = helmRelease(
      `${name}-release`,
      "kueue",
      KUEUE_NAMESPACE,
      chartValues("kueue.yaml", {
        // The chart reads this as a string (fromYaml in templates/manager/manager-config.yaml).
        managerConfig: { controllerManagerConfigYaml: stringify(kueueManagerConfig()) },
        // On the always-on system pool, never on a job pool (those scale to zero).
        controllerManager: { nodeSelector: { [POOL_LABEL]: POOLS.system } },
      }),
      o,
    );
    const after = { ...o, dependsOn: [this.release] };
    const cr = (obj: Record<string, unknown>) => {
      const meta = obj.metadata as { name: string };
      return new k8s.apiextensions.CustomResource(`${name}-${String(obj.kind).toLowerCase()}-${meta.name}`, obj as never, after);
    };
    this.flavors = resourceFlavors(args.pools).map(cr);
    this.clusterQueues = args.tenants.map((t) => new k8s.apiextensions.CustomResource(`${name}-clusterqueue-${t.name}`, clusterQueue(t, args.pools) as never, { ...after, dependsOn: [this.release, ...this.flavors] }));
    const reader = new k8s.rbac.v1.ClusterRole(`${name}-queue-reader`, { metadata: { name: QUEUE_READER_ACCESS.clusterRole }, rules: QUEUE_READER_ACCESS.rules.map((r) => ({ ...r, apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) }, after);
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-queue-reader`,
      {
        metadata: { name: QUEUE_READER_ACCESS.clusterRole },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: reader.metadata.name },
        subjects: args.queueReaders.map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name })),
      },
      o,
    );
    this.registerOutputs({});
  }
}
