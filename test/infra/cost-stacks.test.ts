import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { estimateCost, type StackCost } from "../../infra/cost/estimate";
import { platformWorkloads, type PlatformWorkloads } from "../../infra/cost/platform-workloads";
import { costReport } from "../../infra/cost/report";
import type { OfflineRun } from "../../infra/plan/offline-run";
import { REGION_PRICES } from "../../infra/cost/prices";
import { allGpuPrices } from "../../infra/cost/gpu-prices";
import { PRESETS } from "../../stacks/presets";
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

  it("finds the Management App and KEDA on management, and on deployments Kueue's manager beside zero-request agents", () => {
    const mgmt = w.pods.filter((p) => p.cluster === "management");
    expect(mgmt.filter((p) => p.workload.startsWith("Deployment/")).map((p) => [p.workload, p.replicas, p.requests.cpu])).toEqual(
      expect.arrayContaining([["Deployment/entrypoint", 2, 0.25], ["Deployment/status-worker", 2, 0.25]]),
    );
    expect(pods("KEDA operator")).toMatchObject({ cluster: "management", replicas: 2 });
    expect(pods("Kueue controller manager")).toMatchObject({ cluster: "deployments", replicas: 1, requests: { cpu: 0.5, memoryGiB: 0.5 } });
    expect(w.pods.filter((p) => p.cluster === "deployments" && p.workload !== "Kueue controller manager").every((p) => p.requests.cpu === 0 && p.requests.memoryGiB === 0)).toBe(true);
  });

  it("sums the volumes the platform claims and the load balancers' forwarding rules", () => {
    const gib = w.volumes.reduce((t, v) => t + v.count * v.sizeGiB, 0);
    // RabbitMQ 3x20 + Redis 6x(5+1) + Elasticsearch 3x20 + Logstash 2x1.5 + Prometheus 1x20 (one replica: remote write through one Service).
    expect(gib).toBe(60 + 36 + 60 + 3 + 20);
    expect(w.forwardingRules.filter((f) => f.scope === "regional").map((f) => f.name).sort()).toEqual(["Service/redis-cluster-external", "Service/remote-write-gateway", "logstash http", "rabbitmq"]);
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
      ["deployments", 1, 2],
    ]);
    expect(dev.warnings.join("\n")).toMatch(/management: the preset's minimum \(1 node\) is too small/);
    expect(dev.shared.some((l) => l.item.startsWith("GKE free tier"))).toBe(true);
  });

  it("When the deployments cluster has job pools, then the floor holds the system pool only and the ceiling every CPU and GPU job node at its price", () => {
    const lines = dev.clusters.find((c) => c.cluster === "deployments")!.lines;
    const gpu = lines.find((l) => l.item.startsWith("job pool gpu-spot"))!;
    expect(gpu.item).toBe("job pool gpu-spot: g2-standard-4 + 1× nvidia-l4 spot (0 floor, 2 ceiling)");
    expect(gpu.floorHour).toBe(0);
    // Two spot g2-standard-4 nodes (catalog 2026-07-30) and their 100 GiB pd-balanced disks.
    expect(gpu.ceilingHour).toBeCloseTo(2 * (0.357456 + (100 * 0.1) / 730), 6);
    const cpu = lines.find((l) => l.item.startsWith("job pool cpu-spot"))!;
    expect(cpu).toMatchObject({ item: "job pool cpu-spot: e2-standard-4 spot (0 floor, 10 ceiling)", floorHour: 0 });
    expect(dev.total.ceilingHour - dev.total.floorHour).toBeGreaterThan(gpu.ceilingHour + cpu.ceilingHour);
  });

  it("When GPU machines are priced, then every figure is dated and checked against the same catalog snapshot as the other region prices", () => {
    const gpu = allGpuPrices();
    expect(gpu.length).toBeGreaterThanOrEqual(6);
    for (const p of gpu) {
      expect(p.checked, p.unit).toBe(true);
      expect(p.checkedAgainst).toMatch(/Cyclenerd\/google-cloud-pricing-cost-calculator@fd66b26ff84fee5cdd94f341ea89206e76c06b99:pricing\.yml \(generated 2026-07-30\)/);
      expect(p.source).toMatch(/^https:\/\/cloud\.google\.com\//);
      expect(p.usd).toBeGreaterThan(0);
    }
    // Spot is cheaper than on demand for every machine and region.
    for (let i = 0; i < gpu.length; i += 2) expect(gpu[i + 1]!.usd).toBeLessThan(gpu[i]!.usd);
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

describe("job usage is priced like the job pools' nodes", () => {
  it("gives the Cluster Applier the CPU pool's spot price per core and per GiB (dev: e2, prod: n2) and the GPU pool's per GPU-hour", () => {
    for (const [stack, family] of [["dev", "e2"], ["prod", "n2"]] as const) {
      const d = unwrapSecrets(named(runs[stack]!, "app-cluster-applier-deployment").inputs);
      const env = Object.fromEntries((d.spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
      const spot = REGION_PRICES["europe-west1"]!.machines[family]!.spot;
      expect(Number(env.USAGE_CPU_CORE_HOUR_USD), stack).toBe(spot.vcpuHour.usd);
      expect(Number(env.USAGE_MEMORY_GIB_HOUR_USD), stack).toBe(spot.gibHour.usd);
      // A GPU-hour: the G2 node's spot price per GPU, less its host share at the core and GiB rates.
      const gpu = PRESETS[stack].jobPools.gpu!;
      const node = stack === "dev" ? 0.357456 : 0.431712;
      const host = (gpu.machineType === "g2-standard-4" ? 4 : 8) * spot.vcpuHour.usd + (gpu.machineType === "g2-standard-4" ? 16 : 32) * spot.gibHour.usd;
      expect(Number(env.USAGE_GPU_HOUR_USD), stack).toBeCloseTo(node - host, 6);
    }
  });
});
