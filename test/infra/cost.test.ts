import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { estimateCost, HOURS_PER_MONTH, BUCKET_CEILING } from "../../infra/cost/estimate";
import { gkeAllocatable, machineShape } from "../../infra/cost/machine-types";
import { GKE_SYSTEM, nodesNeeded } from "../../infra/cost/node-count";
import { MissingPriceError, REGION_PRICES, allPrices, diskPrice, familyRates } from "../../infra/cost/prices";
import { renderCost, totalLine } from "../../infra/cost/render-cost";
import { renderCostDiff } from "../../infra/cost/cost-diff";
import type { PlannedResource } from "../../infra/plan/offline-run";
import { PRESETS } from "../../stacks/presets";
import { parseQuantity, QuantityError } from "../../apps/shared/usage/quantity";
import { podRequests } from "../../apps/shared/usage/pod-requests";

const root = path.join(__dirname, "../..");
const stacks = readdirSync(root)
  .filter((f) => /^Pulumi\.[\w-]+\.yaml$/.test(f))
  .map((f) => ({ file: f, config: (parse(readFileSync(path.join(root, f), "utf8")) as { config: Record<string, any> }).config }));

describe("price table", () => {
  it("has a price for every region, machine type (spot and on-demand) and disk type a preset or stack uses", () => {
    expect(stacks.map((s) => s.file).sort()).toEqual(["Pulumi.dev.yaml", "Pulumi.prod.yaml"]);
    for (const { file, config } of stacks) {
      const region = config["gcp:region"] as string;
      const preset = PRESETS[config["gcp-compute-platform:preset"] as keyof typeof PRESETS];
      const overrides = (config["gcp-compute-platform:clusters"] ?? {}) as Record<string, { machineType?: string }>;
      for (const [cluster, size] of Object.entries(preset.clusters)) {
        const machineType = overrides[cluster]?.machineType ?? size.machineType;
        expect(() => machineShape(machineType), `${file} ${cluster}`).not.toThrow();
        for (const spot of [true, false]) expect(familyRates(region, machineType, spot).vcpuHour.usd, `${file} ${cluster} ${machineType}`).toBeGreaterThan(0);
      }
      // The node pools' boot disks (infra/cluster/gke-cluster.ts) and GKE's default StorageClass
      // standard-rwo for the platform's volumes are both pd-balanced.
      expect(diskPrice(region, "pd-balanced").usd).toBeGreaterThan(0);
      expect(REGION_PRICES[region]!.gcsStandard.usd).toBeGreaterThan(0);
    }
  });

  it("names its unit, region and Google's page for every figure", () => {
    for (const p of allPrices()) {
      expect(p.source).toMatch(/^https:\/\/cloud\.google\.com\//);
      expect(p.unit).not.toBe("");
      expect(p.region).not.toBe("");
    }
    // Spot is the cheaper side of every family.
    for (const r of Object.values(REGION_PRICES)) for (const m of Object.values(r.machines)) expect(m.spot.vcpuHour.usd).toBeLessThan(m.onDemand.vcpuHour.usd);
  });

  it("When a figure says it was checked, then it names what it was checked against (a page or catalog snapshot, with a date or a commit), and only then", () => {
    const all = allPrices();
    expect(all.some((p) => p.checked)).toBe(true);
    for (const p of all) {
      if (p.checked) {
        expect(p.checkedAgainst, `${p.unit} ${p.region}`).toMatch(/cloud\.google\.com\/|Cloud Billing Catalog/);
        expect(p.checkedAgainst, `${p.unit} ${p.region}`).toMatch(/\d{4}-\d\d-\d\d|[0-9a-f]{40}|undated/);
      } else expect(p.checkedAgainst, `${p.unit} ${p.region}`).toBeUndefined();
    }
  });

  it("When the plan uses a figure nobody checked, then the table says so, and names no checked figure", () => {
    // A LoadBalancer Service makes a regional forwarding rule, whose price no source confirmed.
    const lb: PlannedResource = { urn: "urn:lb", type: "kubernetes:core/v1:Service", name: "lb", parent: "", dependsOn: [], provider: "urn:pulumi:t::p::pulumi:providers:kubernetes::management-k8s::management-k8s-id", custom: true, inputs: { metadata: { name: "lb" }, spec: { type: "LoadBalancer" } } };
    const cost = estimateCost([...known(), lb], "known");
    expect(cost.shared.some((l) => l.item.startsWith("forwarding rules, internal load balancers (1: Service/lb)"))).toBe(true);
    const unchecked = allPrices().filter((p) => !p.checked);
    expect(cost.uncheckedPrices.length).toBeGreaterThan(0);
    for (const line of cost.uncheckedPrices) expect(unchecked.some((p) => line.startsWith(`${p.unit} (${p.region})`)), line).toBe(true);
    for (const p of allPrices().filter((x) => x.checked)) expect(cost.uncheckedPrices.some((l) => l.startsWith(`${p.unit} (${p.region})`))).toBe(false);
    expect(renderCost(cost)).toContain(`price not checked against a source: ${cost.uncheckedPrices[0]}`);
  });

  it("When a stack uses a machine type, disk or region without a price, then the error says which and where to add it", () => {
    expect(() => machineShape("c3-standard-4")).toThrow(MissingPriceError);
    expect(() => familyRates("asia-south2", "e2-standard-4", true)).toThrow(/no price for region asia-south2 in infra\/cost\/prices\.ts/);
    expect(() => diskPrice("europe-west1", "hyperdisk-extreme")).toThrow(/disk type hyperdisk-extreme/);
  });
});

describe("node allocatable and packing", () => {
  it("computes GKE's allocatable by the documented tiers (plan-node-sizes#memory_and_cpu_reservations)", () => {
    // e2-standard-4: CPU 4 - (6% + 1% + 2 x 0.5%) = 3.92; memory 16 - (1 + 0.8 + 0.8) - 100 MiB.
    const e2s4 = gkeAllocatable(machineShape("e2-standard-4"));
    expect(e2s4.vcpus).toBeCloseTo(3.92, 6);
    expect(e2s4.memoryGiB).toBeCloseTo(16 - 2.6 - 100 / 1024, 6);
    // n2-standard-8: CPU 8 - (0.08 + 4 x 0.25%) = 7.91; memory 32 - (2.6 + 16 x 6%) - 100 MiB.
    const n2s8 = gkeAllocatable(machineShape("n2-standard-8"));
    expect(n2s8.vcpus).toBeCloseTo(7.91, 6);
    expect(n2s8.memoryGiB).toBeCloseTo(32 - 3.56 - 100 / 1024, 6);
    // Above 128 GiB only 2% more is reserved.
    expect(gkeAllocatable({ vcpus: 32, memoryGiB: 256 }).memoryGiB).toBeCloseTo(256 - (2.6 + 112 * 0.06 + 128 * 0.02) - 100 / 1024, 6);
  });

  it("packs pods by CPU and memory requests, counts at least one node, and names pods no node can hold", () => {
    const node = { vcpus: 4, memoryGiB: 16 };
    const room = { cpu: 4 - GKE_SYSTEM.perNode.cpu - GKE_SYSTEM.perCluster.cpu };
    expect(nodesNeeded([], node)).toEqual({ needed: 1, unschedulable: [] });
    // Three pods of 1.5 CPU: two fit beside the system pods on... none: room.cpu is 3.0 on the first.
    const pods = [{ cluster: "resources" as const, workload: "w", replicas: 3, requests: { cpu: 1.5, memoryGiB: 1, gpus: 0 }, source: "test" }];
    expect(room.cpu).toBeCloseTo(3.0, 6);
    expect(nodesNeeded(pods, node).needed).toBe(2);
    const huge = [{ cluster: "resources" as const, workload: "huge", replicas: 1, requests: { cpu: 1, memoryGiB: 64, gpus: 0 }, source: "test" }];
    expect(nodesNeeded(huge, node).unschedulable).toEqual(["huge"]);
  });
});

describe("quantities and pod requests", () => {
  it("parses Kubernetes quantities and refuses what is not one", () => {
    expect(parseQuantity("500m")).toBeCloseTo(0.5);
    expect(parseQuantity("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("2k")).toBe(2000);
    expect(() => parseQuantity("1 GB")).toThrow(QuantityError);
    expect(() => parseQuantity("-1")).toThrow(QuantityError);
  });

  it("sums containers and sidecars, takes the larger of that and each init container, copies limits into missing requests, adds overhead", () => {
    const r = podRequests({
      initContainers: [
        { resources: { requests: { cpu: "2", memory: "64Mi" } } },
        { restartPolicy: "Always", resources: { requests: { cpu: "100m", memory: "128Mi" } } },
      ],
      containers: [{ resources: { requests: { cpu: "250m" }, limits: { memory: "1Gi", "nvidia.com/gpu": 1 } } }, { resources: {} }],
      overhead: { cpu: "10m" },
    });
    expect(r.cpu).toBeCloseTo(2.01, 6); // init (2) beats app + sidecar (0.35); + overhead
    expect(r.memoryGiB).toBeCloseTo(1 + 128 / 1024, 6); // limit copied to the request, + sidecar
    expect(r.gpus).toBe(1);
  });
});

/** A small stack whose bill can be worked out by hand. */
const known = (): PlannedResource[] => {
  const res = (type: string, name: string, inputs: Record<string, unknown>, provider = ""): PlannedResource => ({ urn: `urn:${name}`, type, name, parent: "", dependsOn: [], provider, custom: true, inputs });
  const k8s = "urn:pulumi:t::p::pulumi:providers:kubernetes::management-k8s::management-k8s-id";
  return [
    res("gcp:compute/routerNat:RouterNat", "management-nat", { region: "europe-west1" }),
    res("gcp:container/cluster:Cluster", "management-gke", { location: "europe-west1-b" }),
    res("gcp:container/nodePool:NodePool", "management-pool", {
      autoscaling: { totalMinNodeCount: 1, totalMaxNodeCount: 4 },
      nodeConfig: { machineType: "e2-standard-4", spot: true, diskSizeGb: 100, diskType: "pd-balanced" },
    }),
    // 3 x 1.5 CPU do not fit one e2-standard-4 beside GKE's pods: the floor is 2 nodes, not 1.
    res("kubernetes:apps/v1:Deployment", "app", { metadata: { name: "app" }, spec: { replicas: 3, template: { spec: { containers: [{ resources: { requests: { cpu: "1500m", memory: "1Gi" } } }] } } } }, k8s),
    res("kubernetes:gateway.networking.k8s.io/v1:Gateway", "gw", { metadata: { name: "gw" }, spec: { gatewayClassName: "gke-l7-global-external-managed" } }, k8s),
    res("gcp:storage/bucket:Bucket", "jobs", { lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 14 } }] }),
  ];
};

describe("cost arithmetic on a known stack", () => {
  const cost = estimateCost(known(), "known");
  const c = cost.clusters[0]!;
  const e2 = REGION_PRICES["europe-west1"]!.machines.e2!.spot;
  const nodeHour = 4 * e2.vcpuHour.usd + 16 * e2.gibHour.usd;

  it("counts the nodes the pods need above the preset's minimum, and warns", () => {
    expect(c.nodes).toEqual({ presetMin: 1, presetMax: 4, needed: 2, floor: 2, ceiling: 4 });
    expect(cost.warnings).toEqual([expect.stringContaining("management: the preset's minimum (1 node) is too small: the platform's pods request 2 e2-standard-4 nodes")]);
  });

  it("prices each item by hand-checkable arithmetic", () => {
    const line = (prefix: string) => c.lines.find((l) => l.item.startsWith(prefix))!;
    expect(line("GKE management fee (zonal)")).toMatchObject({ floorHour: 0.1, ceilingHour: 0.1 });
    expect(line("nodes:").floorHour).toBeCloseTo(2 * nodeHour, 9);
    expect(line("nodes:").ceilingHour).toBeCloseTo(4 * nodeHour, 9);
    expect(line("boot disks").floorHour).toBeCloseTo((2 * 100 * 0.1) / 730, 9);
    expect(line("Cloud NAT").floorHour).toBeCloseTo(2 * 0.0014 + 0.005, 9);
    expect(line("Cloud NAT").ceilingHour).toBeCloseTo(4 * 0.0014 + 0.005, 9);
    const shared = (prefix: string) => cost.shared.find((l) => l.item.startsWith(prefix))!;
    expect(shared("forwarding rules, global (1: Gateway/gw)").floorHour).toBe(0.025);
    expect(shared("jobs bucket").floorHour).toBe(0);
    expect(shared("jobs bucket").ceilingHour).toBeCloseTo(((BUCKET_CEILING.jobsPerDay * BUCKET_CEILING.mibPerJob * 14) / 1024) * 0.02 / 730, 9);
    expect(shared("GKE free tier").floorHour).toBe(-0.1);
    const floor = 0.1 + 2 * nodeHour + (2 * 100 * 0.1) / 730 + 2 * 0.0014 + 0.005 + 0.025 - 0.1;
    expect(cost.total.floorHour).toBeCloseTo(floor, 9);
    expect(totalLine(cost)).toBe(`total: $${(floor * HOURS_PER_MONTH).toFixed(2)}/month floor, $${(cost.total.ceilingHour * HOURS_PER_MONTH).toFixed(2)}/month ceiling`);
  });

  it("prints a table per cluster with hour and month columns, ending with the total line and the warnings", () => {
    const text = renderCost(cost);
    expect(text).toMatch(/floor\/h\s+floor\/month\s+ceil\/h\s+ceil\/month/);
    expect(text).toContain("management (nodes: preset min 1, platform pods need 2, max 4)");
    expect(text).toContain(totalLine(cost));
    expect(text).toMatch(/warning: management: the preset's minimum/);
  });

  it("When the PR adds a node to the floor, then the comment shows the base, the PR and the difference per stack", () => {
    const base = estimateCost(known(), "dev");
    const headResources = known();
    (headResources[2]!.inputs as any).autoscaling.totalMinNodeCount = 3;
    const head = estimateCost(headResources, "dev");
    const md = renderCostDiff([{ stack: "dev", base, head }]);
    const d = nodeHour * HOURS_PER_MONTH + (100 * 0.1) + 0.0014 * HOURS_PER_MONTH;
    expect(md).toContain("<!-- cost-estimate -->");
    expect(md).toContain(`| +$${d.toFixed(2)} |`);
    expect(md).toMatch(/- dev\/management: floor \+\$[\d.]+, ceiling ±\$0\.00 \(nodes 2–4 → 3–4 e2-standard-4 spot\)/);
    expect(renderCostDiff([{ stack: "dev", head }])).toContain("| dev | — → ");
  });
});
