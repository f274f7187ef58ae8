import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun } from "../../infra/plan/offline-run";
import { renderTree } from "../../infra/plan/render-tree";
import { named, platformInvariants, runStack } from "./stack-suite";
import { upstreamConformance } from "./upstream-suite";

let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

describe("dev stack (Pulumi.dev.yaml) under Pulumi mocks", () => {
  platformInvariants(() => run, "dev");
  upstreamConformance(() => run);

  it("is zonal and cheap: one zone for control plane and nodes, and deletable by pulumi destroy", () => {
    const cluster = named(run, "deployments-gke").inputs as Record<string, any>;
    expect(cluster.location).toBe("europe-west1-b");
    // The cluster's own zone is implied (the provider refuses it in nodeLocations); the pool names it.
    expect(cluster.nodeLocations).toBeUndefined();
    expect((named(run, "deployments-pool").inputs as Record<string, any>).nodeLocations).toEqual(["europe-west1-b"]);
    expect(cluster.deletionProtection).toBe(false);
    expect(cluster.resourceLabels).toMatchObject({ owner: "platform-team", "cost-center": "research", cluster: "deployments" });
  });

  it("renders as a plan tree: components, their children indented, key inputs and ordering", () => {
    const tree = renderTree(run.resources).split("\n");
    expect(tree).toContain("+ platform:network:VpcNetwork  management");
    expect(tree).toContain("    + gcp:compute/network:Network  management-net  (after apis-compute)");
    expect(tree.some((l) => l.startsWith("    + gcp:compute/networkPeering:NetworkPeering  resources-deployments-hub-to-spoke  (after resources-management-spoke-to-hub"))).toBe(true);
    expect(tree).toContain("          deletionProtection: false");
  });
});
