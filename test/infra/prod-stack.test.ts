import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun } from "../../infra/plan/offline-run";
import { named, platformInvariants, runStack } from "./stack-suite";
import { upstreamConformance } from "./upstream-suite";

let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("prod");
});

describe("prod stack (Pulumi.prod.yaml) under Pulumi mocks", () => {
  platformInvariants(() => run, "prod");
  upstreamConformance(() => run);

  it("is regional with nodes in three zones and protected from deletion", () => {
    const cluster = named(run, "resources-gke").inputs as Record<string, any>;
    expect(cluster.location).toBe("europe-west1");
    expect(cluster.nodeLocations).toEqual(["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
    expect(cluster.deletionProtection).toBe(true);
  });

  it("When the clusters are protected from deletion, then nothing is set to go with them: a destroy deletes Kueue's objects one by one and they stay in the state until gone", () => {
    // A destroy cannot delete a protected cluster; skipping Kueue's deletes would drop them from
    // the state while they still run, and the next `up` would fail on them (already exists).
    expect(named(run, "deployments-kueue").type).toBe("platform:services:Kueue");
    expect(run.resources.filter((r) => r.deletedWith).map((r) => r.name)).toEqual([]);
  });
});
