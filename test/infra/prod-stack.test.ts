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
});
