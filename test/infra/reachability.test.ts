import { beforeAll, describe, expect, it, vi } from "vitest";
import { DESTINATIONS, INTENDED_REACHABILITY, SOURCES } from "../../apps/shared/contract";
import type { CidrPlan } from "../../infra/network/cidr-plan";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { differences, gkeRules, reachabilityOf, renderMatrix, type Matrix } from "../../infra/plan/reachability";
import { unwrapSecrets } from "../../infra/plan/reachability/graph";
import { runStack } from "./stack-suite";

/**
 * The reachability matrix computed from the mocked graph, against the contract's intended one,
 * and pinned to the documents it models by golden cases: each case changes the graph the way a
 * cited rule says matters and checks the matrix moves.
 */
let run: OfflineRun;
let matrix: Matrix;
beforeAll(async () => {
  run = await runStack("dev");
  run = { ...run, resources: run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> })) };
  matrix = reachabilityOf(run);
});

/** The same run with one resource's inputs changed. */
const withChange = (name: string, change: (inputs: any) => void): OfflineRun => ({
  ...run,
  resources: run.resources.map((r: PlannedResource) => {
    if (r.name !== name) return r;
    const inputs = structuredClone(r.inputs) as any;
    change(inputs);
    return { ...r, inputs };
  }),
});

describe("reachability matrix (dev stack)", () => {
  it("is exactly the contract's intended matrix", () => {
    expect(differences(matrix, INTENDED_REACHABILITY)).toEqual([]);
  });

  it("is the intended matrix on prod too (regional clusters, other sizes)", async () => {
    vi.resetModules();
    const { runStack: runProd } = await import("./stack-suite");
    const prod = await runProd("prod");
    expect(differences(reachabilityOf(prod), INTENDED_REACHABILITY)).toEqual([]);
  });

  it("shows no path from job pods to the broker, the cache, Logstash, Prometheus or any control plane", () => {
    for (const d of DESTINATIONS) expect(matrix["deployments:jobs"][d].allowed, d).toBe(false);
    for (const d of ["hub:rabbitmq", "hub:redis"] as const) {
      for (const s of SOURCES.filter((x) => x.startsWith("deployments:"))) expect(matrix[s][d].allowed, `${s} → ${d}`).toBe(false);
    }
  });

  it("prints a table a reviewer can read, in npm run plan", () => {
    const text = renderMatrix(matrix);
    for (const s of SOURCES) expect(text).toMatch(new RegExp(`^${s}\\s+[✔·]`, "m"));
    expect(text).toContain("deployments:jobs → hub:rabbitmq: egress NetworkPolicy");
  });
});

describe("golden cases from the cited documents", () => {
  it("GKE's own cluster rules: -master (control plane, tcp 443 and 10250), -vms (node range), -all (pod range, every protocol)", () => {
    // https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules
    const cidrs = run.outputs.cidrPlan as CidrPlan;
    const rules = gkeRules("deployments", cidrs, []);
    expect(rules.find((r) => r.name.endsWith("-master"))).toMatchObject({ sourceRanges: [cidrs.deployments.controlPlane], rules: [{ protocol: "tcp", ports: ["443", "10250"] }] });
    expect(rules.find((r) => r.name.endsWith("-vms"))).toMatchObject({ sourceRanges: [cidrs.deployments.nodes] });
    expect(rules.find((r) => r.name.endsWith("-all"))).toMatchObject({ sourceRanges: [cidrs.deployments.pods], rules: [{ protocol: "all" }] });
  });

  it("a LoadBalancer without loadBalancerSourceRanges gets a k8s-fw rule from 0.0.0.0/0: the broker opens to deployments", () => {
    // kubernetes/cloud-provider@v0.36.2:service/helpers/helper.go; kubernetes/cloud-provider-gcp@v36.3.8:providers/gce/gce_loadbalancer_internal.go
    expect(gkeRules("resources", run.outputs.cidrPlan as CidrPlan, [{ name: "x", ip: "10.0.0.1", ports: [1], sourceRanges: [] }]).at(-1)!.sourceRanges).toEqual(["0.0.0.0/0"]);
    const open = reachabilityOf(withChange("rabbitmq-cluster", (i) => delete i.spec.override.service.spec.loadBalancerSourceRanges));
    expect(open["deployments:pods"]["hub:rabbitmq"]).toMatchObject({ allowed: true, by: expect.stringContaining("k8s-fw-rabbitmq-cluster") });
    expect(open["management:nodes"]["hub:rabbitmq"].allowed).toBe(true);
    // Job pods are then held by their namespace's default-deny egress alone.
    expect(open["deployments:jobs"]["hub:rabbitmq"].by).toMatch(/egress NetworkPolicy/);
  });

  it("a default-deny NetworkPolicy with a job's own allow policy: the job's egress opens, and the VPC firewall still keeps it off the broker", () => {
    // Policies are additive (https://kubernetes.io/docs/concepts/services-networking/network-policies/).
    const m = reachabilityOf({
      ...run,
      resources: [
        ...run.resources,
        {
          urn: "urn:job-allow",
          type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
          name: "job-allow-all",
          parent: "",
          dependsOn: [],
          provider: "urn:pulumi:dev::p::pulumi:providers:kubernetes::deployments-k8s::id",
          custom: true,
          inputs: { metadata: { namespace: "job-reachability-probe" }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] } },
        },
      ],
    });
    expect(m["deployments:jobs"]["hub:rabbitmq"]).toMatchObject({ allowed: false, by: expect.stringMatching(/VPC firewall of resources/) });
    expect(m["deployments:jobs"]["hub:logstash"].allowed).toBe(true);
  });

  it("Google's health-check and proxy ranges reach the entrypoint only through its NetworkPolicy's ipBlocks", () => {
    // https://cloud.google.com/load-balancing/docs/firewall-rules (35.191.0.0/16, 130.211.0.0/22)
    expect(matrix["google:frontends"]["management:entrypoint"].by).toMatch(/app-entrypoint-netpol/);
    const closed = reachabilityOf(withChange("app-entrypoint-netpol", (i) => (i.spec.ingress[0].from = i.spec.ingress[0].from.filter((p: any) => !p.ipBlock))));
    expect(closed["google:frontends"]["management:entrypoint"].allowed).toBe(false);
  });

  it("KEDA's metrics server is reached by the control plane only through the program's rule (GKE's -master opens 443 and 10250 only)", () => {
    const closed = reachabilityOf(withChange("management-fw-control-plane", (i) => (i.allows[0].ports = i.allows[0].ports.filter((p: string) => p !== "6443"))));
    expect(closed["management:control-plane"]["management:keda-metrics"].allowed).toBe(false);
    expect(closed["management:control-plane"]["management:kubelet"].allowed).toBe(true);
  });
});
