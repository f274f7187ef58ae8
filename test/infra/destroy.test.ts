import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { named, ofType, runStack, unwrapSecrets } from "./stack-suite";

let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

const byUrn = () => new Map(run.resources.map((r) => [r.urn, r]));
const providerOf = (r: PlannedResource) => (r.provider ? r.provider.slice(0, r.provider.lastIndexOf("::")) : "");
const plain = unwrapSecrets;

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
});
