import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CHARTS } from "../../infra/platform-services/charts";
import { chartValueProblems } from "../support/chart-keys";
import { CHECKED_CHARTS } from "../support/checked-chart-keys";
import { CRD_SCHEMAS } from "../support/crd-schemas";
import { fluentBitProblems } from "../support/fluent-bit-config";
import { schemaErrors, shapeErrors } from "../support/k8s-schema";
import { checkRules, promtoolVersion, testRules } from "../support/promtool";

// The checks that upstream-suite.ts runs over the dev and prod stacks, shown to catch what
// they are for. No stack runs here.

describe("chart values check", () => {
  it("refuses a key nobody checked, naming the chart source to read", () => {
    const problems = chartValueProblems("external-dns", "1.19.0", { zoneIdFilters: ["example-com"], policy: "upsert-only" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("sets zoneIdFilters, which nobody checked against kubernetes-sigs/external-dns@external-dns-helm-chart-1.19.0");
  });

  it("refuses a chart version nobody read, even with keys that were fine at the old one", () => {
    expect(chartValueProblems("keda", "2.19.0", { operator: { replicaCount: 2 } })[0]).toContain("keda@2.19.0: no upstream check recorded");
  });

  it("checks what a template copies verbatim against the object it lands in", () => {
    expect(chartValueProblems("fluent-bit", "0.54.0", { tolerations: [{ operator: "Exists" }] })).toEqual([]);
    expect(chartValueProblems("fluent-bit", "0.54.0", { tolerations: [{ operater: "Exists" }] })[0]).toMatch(/tolerations\/0 must NOT have additional properties: operater/);
    const nodeSet = { name: "default", count: 3, podTemplate: { spec: { containers: [{ name: "elasticsearch", resource: {} }] } } };
    expect(chartValueProblems("eck-stack", "0.17.0", { "eck-elasticsearch": { nodeSets: [nodeSet] } })[0]).toMatch(/containers\/0 must NOT have additional properties: resource/);
  });

  it("has a record for every chart the program pins, at the pinned version", () => {
    const pinned = Object.values(CHARTS).map((c) => `${c.chart}@${c.version}`);
    expect(Object.keys(CHECKED_CHARTS).sort()).toEqual([...new Set(pinned)].sort());
  });

  it("accepts every values file in charts/ on its own", () => {
    const dir = path.join(__dirname, "../../charts");
    const chartOf: Record<string, keyof typeof CHARTS> = {
      "eck-operator.yaml": "eckOperator",
      "eck-stack.yaml": "eckStack",
      "external-dns.yaml": "externalDns",
      "fluent-bit.yaml": "fluentBit",
      "keda.yaml": "keda",
      "kueue.yaml": "kueue",
      "kube-prometheus-stack.yaml": "kubePrometheusStack",
      "prometheus-agent.yaml": "kubePrometheusStack",
      "redis-cluster.yaml": "redisCluster",
      "redis-operator.yaml": "redisOperator",
    };
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.filter((f) => !chartOf[f]), "a values file without a chart").toEqual([]);
    for (const f of files) {
      const { chart, version } = CHARTS[chartOf[f]!];
      expect(chartValueProblems(chart, version, parse(readFileSync(path.join(dir, f), "utf8")) ?? {}), f).toEqual([]);
    }
  });
});

describe("Kubernetes schema check", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "x" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "x", image: "x:1" }] } } },
  };

  it("accepts a valid core object", () => {
    expect(schemaErrors(deployment)).toEqual([]);
  });

  it("refuses unknown fields in core kinds, at any depth", () => {
    const bad = structuredClone(deployment) as any;
    bad.spec.replica = 2;
    bad.spec.template.spec.containers[0].imagePolicy = "Always";
    expect(schemaErrors(bad)).toEqual(["/spec must NOT have additional properties: replica", "/spec/template/spec/containers/0 must NOT have additional properties: imagePolicy"]);
  });

  it("refuses missing required fields and wrong types (kubernetes-models)", () => {
    const bad = structuredClone(deployment) as any;
    delete bad.spec.template.spec.containers[0].name;
    bad.spec.replicas = "2";
    const errors = schemaErrors(bad).join("\n");
    expect(errors).toMatch(/containers\/0 must have required property name/);
    expect(errors).toMatch(/replicas must be integer/);
  });

  it("refuses unknown fields and bad enums in custom resources", () => {
    const scaled = { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "w" }, spec: { scaleTargetRef: { name: "w" }, minReplicas: 2, triggers: [{ type: "rabbitmq", metadata: { queueName: "q" } }] } };
    expect(schemaErrors(scaled)).toEqual(["/spec must NOT have additional properties: minReplicas"]);
    const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r" }, spec: { rules: [{ matches: [{ path: { type: "Prefix", value: "/" } }] }] } };
    expect(schemaErrors(route)[0]).toMatch(/path\/type must be equal to one of the allowed values/);
  });

  it("refuses rabbitmq trigger metadata that KEDA would silently ignore or reject", () => {
    const scaled = (metadata: Record<string, string>) => ({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: "w" },
      spec: { scaleTargetRef: { name: "w" }, triggers: [{ type: "rabbitmq", metadata }] },
    });
    expect(schemaErrors(scaled({ queueName: "q", mode: "QueueLength", value: "100", protocol: "amqp" }))).toEqual([]);
    expect(schemaErrors(scaled({ queueName: "q", mode: "QueueLength", valeu: "100" }))).toContain("/spec/triggers/0/metadata must NOT have additional properties: valeu");
    expect(schemaErrors(scaled({ queueName: "q", mode: "QueueDepth" })).join("\n")).toMatch(/metadata\/mode must be equal to one of the allowed values/);
  });

  it("refuses a kind it has no schema for rather than passing it", () => {
    expect(schemaErrors({ apiVersion: "example.com/v1", kind: "Widget", spec: {} })[0]).toMatch(/no schema for example.com\/v1 Widget/);
  });

  it("cites the upstream CRD of every custom resource schema", () => {
    for (const s of Object.values(CRD_SCHEMAS)) expect(s.source, `${s.apiVersion} ${s.kind}`).toMatch(/^[\w.-]+\/[\w.-]+@[\w.-]+:\S+/);
  });

  it("checks shapes given as core type names", () => {
    expect(shapeErrors("{ [key: string]: string; }", { a: "b" })).toEqual([]);
    expect(shapeErrors("{ [key: string]: string; }", { a: true })).toEqual(["/a must be string"]);
  });
});

describe("Fluent Bit config check", () => {
  it("accepts the plugins our values use in their sections", () => {
    const config = "[INPUT]\n    Name tail\n    Tag kube.*\n[FILTER]\n    Name kubernetes\n[FILTER]\n    Name modify\n    Add cluster x\n[OUTPUT]\n    Name http\n    Host 10.0.0.1\n    Port 8080\n";
    expect(fluentBitProblems(config)).toEqual([]);
  });

  it("refuses a property the plugin does not have, which also stops Fluent Bit at start", () => {
    expect(fluentBitProblems("[OUTPUT]\n    Name http\n    Match *\n    Json_Date_Key @timestamp\n    Uri /\n")).toEqual([]);
    expect(fluentBitProblems("[INPUT]\n    Name tail\n    Path /x\n    parser_1 a\n    Skip_Long_Line On\n")).toEqual([
      "[INPUT] tail: Fluent Bit 4.1.0 refuses to start on the unknown property skip_long_line",
    ]);
    expect(fluentBitProblems("[OUTPUT]\n    Name loki\n")[0]).toMatch(/loki: its properties are not recorded/);
  });

  it("refuses a filter used as an output, which makes Fluent Bit abort at start", () => {
    expect(fluentBitProblems("[OUTPUT]\n    Name modify\n    Match *\n")).toEqual(["[OUTPUT] modify: Fluent Bit 4.1.0 has no such output plugin (it is a filter plugin)"]);
    expect(fluentBitProblems("[OUTPUT]\n    Match *\n")).toEqual(["[OUTPUT] without a Name"]);
  });
});

describe("promtool", () => {
  it("is installed (CI installs it; without it the rules go unchecked)", () => {
    expect(promtoolVersion()).toMatch(/^promtool, version \d+\./);
  });

  it("accepts a valid rule and refuses a PromQL error, naming it", () => {
    expect(checkRules([{ name: "g", rules: [{ alert: "A", expr: "up == 0", for: "5m" }] }]).ok).toBe(true);
    const bad = checkRules([{ name: "g", rules: [{ alert: "A", expr: "sum by (queue (x)" }] }]);
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/parse error|unexpected/);
  });

  it("runs rule unit tests: an alert that fires as expected passes, one expected silent that fires fails, naming the alert", () => {
    const groups = [{ name: "g", rules: [{ alert: "Down", expr: "up == 0", for: "2m", labels: { severity: "warning" } }] }];
    const down = { name: "t", interval: "1m", input_series: [{ series: 'up{job="a"}', values: "0x10" }] };
    const fires = { exp_labels: { severity: "warning", job: "a" } };
    expect(testRules(groups, [{ ...down, alert_rule_test: [{ eval_time: "5m", alertname: "Down", exp_alerts: [fires] }] }]).ok).toBe(true);
    const wrong = testRules(groups, [{ ...down, alert_rule_test: [{ eval_time: "5m", alertname: "Down", exp_alerts: [] }] }]);
    expect(wrong.ok).toBe(false);
    expect(wrong.output).toContain("alertname: Down");
  });
});
