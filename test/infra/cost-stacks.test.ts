import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { estimateCost, type StackCost } from "../../infra/cost/estimate";
import { platformWorkloads, type PlatformWorkloads } from "../../infra/cost/platform-workloads";
import { costReport } from "../../infra/cost/report";
import type { OfflineRun } from "../../infra/plan/offline-run";
import { REGION_PRICES } from "../../infra/cost/prices";
import { named, runStack, unwrapSecrets } from "./stack-suite";

/** The real program for dev and prod (re-imported per stack: its config is read at import). */
const runs: Record<string, OfflineRun> = {};
beforeAll(async () => {
  for (const stack of ["dev", "prod"]) {
    vi.resetModules();
    runs[stack] = await runStack(stack);
  }
}, 120_000);

describe("the platform's own pods and volumes, read from the program and the charts' defaults", () => {
  let w: PlatformWorkloads;
  beforeAll(() => void (w = platformWorkloads(runs.dev!.resources)));
  const pods = (workload: string) => w.pods.find((p) => p.workload === workload);

  it("finds each hub service on the resources cluster with its replicas and requests", () => {
    expect(pods("RabbitMQ")).toMatchObject({ cluster: "resources", replicas: 3, requests: { cpu: 0.5, memoryGiB: 1 } });
    expect(pods("Redis cluster (leaders + followers)")).toMatchObject({ cluster: "resources", replicas: 6, requests: { cpu: 0.1, memoryGiB: 0.25 } });
    expect(pods("Elasticsearch default")).toMatchObject({ cluster: "resources", replicas: 3, requests: { cpu: 0.5, memoryGiB: 2 } });
    // Defaults of the operators at the pinned versions (sources in platform-workloads.ts).
    expect(pods("Logstash")).toMatchObject({ replicas: 2, requests: { cpu: 1, memoryGiB: 2 } });
    expect(pods("Kibana")).toMatchObject({ replicas: 1, requests: { cpu: 0, memoryGiB: 1 } });
    expect(pods("Alertmanager")).toMatchObject({ replicas: 2, requests: { memoryGiB: 200 / 1024 } });
    expect(pods("redis-operator")?.requests).toMatchObject({ cpu: 0.5 });
    expect(pods("RabbitMQ cluster operator")?.requests).toMatchObject({ cpu: 0.2 });
  });

  it("finds the Management App and KEDA on management, and only zero-request agents on deployments", () => {
    const mgmt = w.pods.filter((p) => p.cluster === "management");
    expect(mgmt.filter((p) => p.workload.startsWith("Deployment/")).map((p) => [p.workload, p.replicas, p.requests.cpu])).toEqual(
      expect.arrayContaining([["Deployment/entrypoint", 2, 0.25], ["Deployment/status-worker", 2, 0.25]]),
    );
    expect(pods("KEDA operator")).toMatchObject({ cluster: "management", replicas: 2 });
    expect(w.pods.filter((p) => p.cluster === "deployments").every((p) => p.requests.cpu === 0 && p.requests.memoryGiB === 0)).toBe(true);
  });

  it("sums the volumes the platform claims and the load balancers' forwarding rules", () => {
    const gib = w.volumes.reduce((t, v) => t + v.count * v.sizeGiB, 0);
    // RabbitMQ 3x20 + Redis 6x(5+1) + Elasticsearch 3x20 + Logstash 2x1.5 + Prometheus 1x20 (one replica: remote write through one Service).
    expect(gib).toBe(60 + 36 + 60 + 3 + 20);
    expect(w.forwardingRules.filter((f) => f.scope === "regional").map((f) => f.name).sort()).toEqual(["Service/redis-cluster-external", "logstash http", "prometheus", "rabbitmq"]);
    expect(w.forwardingRules.filter((f) => f.scope === "global")).toHaveLength(1);
  });
});

describe("npm run plan ends with the stack's cost", () => {
  let dev: StackCost;
  let prod: StackCost;
  beforeAll(() => {
    dev = estimateCost(runs.dev!.resources, "dev");
    prod = estimateCost(runs.prod!.resources, "prod");
  });

  it("dev: the management floor is raised to what the app's pods need, and the plan says the preset's minimum is too small", () => {
    expect(dev.clusters.map((c) => [c.cluster, c.nodes.floor, c.nodes.ceiling])).toEqual([
      ["management", 2, 3],
      ["resources", 3, 6],
      ["deployments", 1, 10],
    ]);
    expect(dev.warnings.join("\n")).toMatch(/management: the preset's minimum \(1 node\) is too small/);
    expect(dev.shared.some((l) => l.item.startsWith("GKE free tier"))).toBe(true);
  });

  it("prod: regional clusters get no free tier, and the ceiling is far above the floor", () => {
    expect(prod.shared.some((l) => l.item.startsWith("GKE free tier"))).toBe(false);
    expect(prod.clusters.every((c) => c.lines[0]!.item === "GKE management fee (regional)")).toBe(true);
    expect(prod.total.ceilingHour).toBeGreaterThan(5 * prod.total.floorHour);
  });

  it("docs/cost.md shows the dev and prod tables exactly as the plan prints them", () => {
    const page = readFileSync(path.join(__dirname, "../../docs/cost.md"), "utf8");
    for (const [stack, run] of Object.entries(runs)) expect(page, `${stack}: paste the table from npm run plan`).toContain(costReport(run.resources, stack));
  });

  it("prints the table with the total line for both stacks", () => {
    for (const [stack, run] of Object.entries(runs)) {
      const text = costReport(run.resources, stack);
      expect(text).toMatch(/^total: \$[\d,]+\.\d\d\/month floor, \$[\d,]+\.\d\d\/month ceiling$/m);
      expect(text).toContain(`Cost of stack "${stack}" in europe-west1`);
    }
  });
});

describe("job usage is priced like the deployments pool's nodes", () => {
  it("gives the Cluster Applier the pool's spot price per core and per GiB from the price table (dev: e2, prod: n2)", () => {
    for (const [stack, family] of [["dev", "e2"], ["prod", "n2"]] as const) {
      const d = unwrapSecrets(named(runs[stack]!, "app-cluster-applier-deployment").inputs);
      const env = Object.fromEntries((d.spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
      const spot = REGION_PRICES["europe-west1"]!.machines[family]!.spot;
      expect(Number(env.USAGE_CPU_CORE_HOUR_USD), stack).toBe(spot.vcpuHour.usd);
      expect(Number(env.USAGE_MEMORY_GIB_HOUR_USD), stack).toBe(spot.gibHour.usd);
      expect(env.USAGE_GPU_HOUR_USD, stack).toBe("0");
    }
  });
});
