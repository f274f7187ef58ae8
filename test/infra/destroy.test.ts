import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { loadBalancers } from "../../infra/plan/reachability/graph";
import { named, ofType, runStack, unwrapSecrets } from "./stack-suite";

let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

const byUrn = () => new Map(run.resources.map((r) => [r.urn, r]));
const providerOf = (r: PlannedResource) => (r.provider ? r.provider.slice(0, r.provider.lastIndexOf("::")) : "");
const plain = unwrapSecrets;

/**
 * The `deletedWith` the engine stores for a resource: its own, else its parent's, recursively
 * (pulumi/pulumi@v3.247.0:pkg/resource/deploy/source_eval.go, inheritFromParent). On a destroy
 * that also deletes that resource, the engine never calls Delete for this one (pkg/resource/
 * deploy/step.go, isDeletedWith in DeleteStep.Apply): it goes with the other.
 */
const deletedWith = (r: PlannedResource): string | undefined => {
  const urns = byUrn();
  for (let at: PlannedResource | undefined = r; at; at = urns.get(at.parent)) if (at.deletedWith) return at.deletedWith;
  return undefined;
};
const descendantsOf = (root: PlannedResource) => {
  const urns = byUrn();
  const under = (r: PlannedResource): boolean => r.parent === root.urn || (!!urns.get(r.parent) && under(urns.get(r.parent)!));
  return run.resources.filter(under);
};

/**
 * `pulumi destroy` deletes in reverse dependency order. What GKE and Helm create outside the
 * graph (load balancers behind Services, NEGs behind the Gateway, disks behind volume claims,
 * GKE's own firewall rules) is removed by the clusters' controllers, but only while the
 * cluster still runs and only if nothing outside holds on to it. These tests pin the graph
 * properties that make that happen.
 */
describe("destroy leaves nothing billable (dev stack graph)", () => {
  it("deletes every Kubernetes object before its cluster: each provider depends on its cluster and node pool", () => {
    const urns = byUrn();
    const k8sObjects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(k8sObjects.length).toBeGreaterThan(40);
    for (const obj of k8sObjects) {
      const provider = urns.get(providerOf(obj));
      expect(provider?.type, obj.name).toBe("pulumi:providers:kubernetes");
      const cluster = provider!.name.replace(/-k8s$/, "");
      expect(provider!.dependsOn, obj.name).toEqual(expect.arrayContaining([named(run, `${cluster}-gke`).urn, named(run, `${cluster}-pool`).urn]));
    }
  });

  it("releases internal load balancers before their reserved addresses: every user of an address depends on it", () => {
    const addresses = ofType(run, "gcp:compute/address:Address");
    for (const addr of addresses) {
      const users = run.resources.filter((r) => JSON.stringify(plain(r.inputs)).includes(`"${addr.name}"`) && r.type.startsWith("kubernetes:"));
      expect(users.length, addr.name).toBeGreaterThan(0);
      for (const u of users) expect(u.dependsOn, `${u.name} uses ${addr.name}`).toContain(addr.urn);
    }
  });

  it("deletes the stateful services' volumes with them", () => {
    const eck = plain(named(run, "hub-services-eck-stack").inputs).values;
    expect(eck["eck-elasticsearch"].volumeClaimDeletePolicy).toBe("DeleteOnScaledownAndClusterDeletion");
    expect(plain(named(run, "hub-services-redis-cluster").inputs).values.storageSpec.keepAfterDelete).toBe(false);
    // RabbitMQ's operator owns its volume claims (owner references): they go with the RabbitmqCluster.
    expect(named(run, "rabbitmq-cluster").type).toBe("kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster");
  });

  it("lets a dev destroy delete the clusters and the bucket with its files", () => {
    for (const c of ofType(run, "gcp:container/cluster:Cluster")) expect((c.inputs as any).deletionProtection).toBe(false);
    expect((named(run, "app-jobs").inputs as any).forceDestroy).toBe(true);
  });

  it("removes the node pools' network only after the clusters: clusters depend on their subnet and NAT", () => {
    for (const v of ["management", "resources", "deployments"]) {
      const cluster = named(run, `${v}-gke`);
      expect(cluster.dependsOn).toEqual(expect.arrayContaining([named(run, `${v}-subnet`).urn, named(run, `${v}-nat`).urn]));
    }
  });

  it("When the stack is destroyed while jobs run or wait in Kueue, then Kueue's release, flavors, ClusterQueues and RBAC go with the deployments cluster, never deleted one by one", () => {
    // One by one they would wait on Kueue: a ClusterQueue keeps its finalizer while an admitted
    // workload holds quota, a ResourceFlavor while a ClusterQueue uses it, and the release's
    // uninstall waits for Kueue's CRDs, held by every unfinished Workload's finalizer.
    const kueue = descendantsOf(named(run, "deployments-kueue")).filter((r) => r.custom);
    const kinds = kueue.map((r) => r.type.split(":").pop());
    expect(kinds.filter((k) => k === "ClusterQueue")).toHaveLength(2);
    expect(kinds.filter((k) => k === "ResourceFlavor").length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain("Release");
    const cluster = named(run, "deployments-gke");
    expect(cluster.type).toBe("gcp:container/cluster:Cluster");
    for (const r of kueue) expect(deletedWith(r), r.name).toBe(cluster.urn);
  });

  it("When the stack is destroyed, then only Kueue's objects skip their delete: load balancers, the Gateway and the stateful services are deleted while their cluster runs, before its leftovers gate", () => {
    const urns = byUrn();
    const kueue = new Set(descendantsOf(named(run, "deployments-kueue")).map((r) => r.name));
    const skipped = run.resources.filter((r) => r.custom && deletedWith(r)).map((r) => r.name);
    expect(skipped.length).toBeGreaterThan(0);
    for (const name of skipped) expect(kueue.has(name), `${name} is deleted with its cluster`).toBe(true);

    const billable = [
      ...loadBalancers(run.resources).map((lb) => named(run, lb.declaredBy.split(" ")[0]!)),
      ...run.resources.filter((r) => r.type.startsWith("kubernetes:gateway.networking.k8s.io/")),
      ...run.resources.filter((r) => /rabbitmq\.com|elasticsearch\.k8s\.elastic\.co/.test(r.type) || ["hub-services-eck-stack", "hub-services-redis-cluster"].includes(r.name)),
    ];
    expect(billable.length).toBeGreaterThan(5);
    for (const r of billable) {
      expect(deletedWith(r), r.name).toBeUndefined();
      const provider = urns.get(providerOf(r))!;
      const cluster = provider.name.replace(/-k8s$/, "");
      expect(provider.dependsOn, r.name).toContain(named(run, `${cluster}-leftovers-gate`).urn);
    }
  });
});
