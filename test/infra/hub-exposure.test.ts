import { beforeAll, describe, expect, it } from "vitest";
import { HUB_ENDPOINT_NAMES, HUB_ENDPOINTS } from "../../apps/shared/contract";
import type { CidrPlan } from "../../infra/network/cidr-plan";
import type { OfflineRun } from "../../infra/plan/offline-run";
import { firewallRules, loadBalancers } from "../../infra/plan/reachability/graph";
import { runStack, unwrapSecrets } from "./stack-suite";

let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
  run = { ...run, resources: run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) })) };
});

/**
 * Issue 22, item 1. A LoadBalancer Service without `spec.loadBalancerSourceRanges` gets GKE's
 * `k8s-fw-*` firewall rule from 0.0.0.0/0: kubernetes/cloud-provider@v0.36.2:service/helpers/helper.go
 * (GetLoadBalancerSourceRanges: field, else annotation, else `defaultLoadBalancerSourceRanges`
 * 0.0.0.0/0) used by kubernetes/cloud-provider-gcp@v36.3.8:providers/gce/gce_loadbalancer_internal.go
 * (ensureInternalFirewalls → ensureInternalFirewall, SourceRanges). On peered VPCs that is every
 * node and pod of every peer, whatever the program's own firewall rules say.
 */
describe("the hub's load balancers admit exactly the peers that need them (dev stack)", () => {
  it("gives every LoadBalancer the program asks for explicit source ranges, none of them /0", () => {
    const lbs = loadBalancers(run.resources);
    expect(lbs.length).toBeGreaterThan(0);
    for (const lb of lbs) {
      expect(lb.internal, lb.declaredBy).toBe(true);
      expect(lb.sourceRanges.length, `${lb.declaredBy}: no loadBalancerSourceRanges means 0.0.0.0/0`).toBeGreaterThan(0);
      expect(lb.sourceRanges.some((r) => r.endsWith("/0")), lb.declaredBy).toBe(false);
    }
  });

  it("admits on each hub service the pod ranges of the clusters the contract names as its clients, and nothing else", () => {
    const cidrs = run.outputs.cidrPlan as CidrPlan;
    const lbs = loadBalancers(run.resources).filter((l) => l.cluster === "resources");
    expect(lbs.map((l) => l.addressName).sort()).toEqual(HUB_ENDPOINT_NAMES.map((s) => `hub-${s}`).sort());
    for (const svc of HUB_ENDPOINT_NAMES) {
      const lb = lbs.find((l) => l.addressName === `hub-${svc}`)!;
      expect(lb.ports, svc).toContain(HUB_ENDPOINTS[svc].port);
      expect([...lb.sourceRanges].sort(), svc).toEqual(HUB_ENDPOINTS[svc].clients.map((c) => cidrs[c].pods).sort());
    }
    // Job pods share the deployments pod range: never in front of the broker or the cache.
    for (const svc of ["rabbitmq", "redis"] as const) expect(lbs.find((l) => l.addressName === `hub-${svc}`)!.sourceRanges).not.toContain(cidrs.deployments.pods);
  });

  it("gives Elasticsearch no load balancer: only Logstash and Kibana, both in the hub, use it", () => {
    expect(loadBalancers(run.resources).some((l) => l.ports.includes(9200))).toBe(false);
    expect(Object.keys(run.outputs.hubAddresses as object)).not.toContain("elasticsearch");
  });

  it("limits every hub rule that admits a peer to the hub's nodes and to one service address", () => {
    const cidrs = run.outputs.cidrPlan as CidrPlan;
    const peerRanges = [cidrs.management.nodes, cidrs.management.pods, cidrs.deployments.nodes, cidrs.deployments.pods];
    const hubRules = firewallRules(run.resources).filter((f) => f.network === "resources-net" && f.action === "allow");
    const fromPeers = hubRules.filter((f) => f.sourceRanges.some((r) => peerRanges.includes(r)));
    expect(fromPeers.map((f) => f.name).sort()).toEqual(HUB_ENDPOINT_NAMES.map((s) => `resources-fw-to-${s}`).sort());
    for (const f of fromPeers) {
      expect(f.targetServiceAccounts, f.name).toEqual(["resources-nodes-dev@offline.iam.gserviceaccount.com"]);
      expect(f.destinationRanges, f.name).toHaveLength(1);
      expect(f.destinationRanges[0], f.name).toMatch(/^10\.250\.0\.\d+\/32$/);
      expect(f.rules, f.name).toEqual([{ protocol: "tcp", ports: [String(HUB_ENDPOINTS[f.name.replace("resources-fw-to-", "") as keyof typeof HUB_ENDPOINTS].port)] }]);
    }
  });
});

/**
 * Issue 22, item 8. Behind the Gateway the entrypoint trusts two X-Forwarded-For hops
 * (TRUSTED_PROXY_HOPS=2): anything that connects to it directly writes its own. Only the load
 * balancer's proxies (for a global external Application Load Balancer with zonal NEG backends, the
 * health-check ranges 35.191.0.0/16 and 130.211.0.0/22:
 * https://cloud.google.com/load-balancing/docs/firewall-rules) and the Prometheus agent scraping
 * /metrics may connect. An ingress rule without `from` admits every source
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/).
 */
describe("the app's NetworkPolicies name who may connect (dev stack)", () => {
  const policy = (name: string) => run.resources.find((r) => r.name === name)!.inputs as any;
  const scraper = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus-agent" } } };

  it("admits to the entrypoint only Google's front ends and the Prometheus agent", () => {
    const spec = policy("app-entrypoint-netpol").spec;
    expect(spec.policyTypes).toEqual(["Ingress"]);
    expect(spec.ingress).toHaveLength(1);
    expect(spec.ingress[0].from).toEqual(expect.arrayContaining([scraper, { ipBlock: { cidr: "35.191.0.0/16" } }, { ipBlock: { cidr: "130.211.0.0/22" } }]));
    expect(spec.ingress[0].from).toHaveLength(3);
  });

  it("admits to the other services only the Prometheus agent, and no policy of the program admits every source", () => {
    for (const svc of ["yaml-manager", "cluster-applier", "status-worker"]) expect(policy(`app-${svc}-netpol`).spec.ingress, svc).toEqual([{ from: [scraper], ports: [{ port: 8080, protocol: "TCP" }] }]);
    for (const r of run.resources.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
      for (const rule of (r.inputs as any).spec.ingress ?? []) expect(rule.from?.length ?? 0, r.name).toBeGreaterThan(0);
    }
  });
});
