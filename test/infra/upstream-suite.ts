import { expect, it } from "vitest";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { chartValueProblems } from "../support/chart-keys";
import { fluentBitProblems } from "../support/fluent-bit-config";
import { schemaErrors, type KubernetesObject } from "../support/k8s-schema";
import { checkRules } from "../support/promtool";
import { unwrapSecrets } from "./stack-suite";

const HELM = /^kubernetes:helm\.sh\/v\d+:(Release|Chart)$/;
/** Resources that are Kubernetes objects in their own right (not Helm, not YAML bundles, not providers). */
const isKubernetesObject = (r: PlannedResource) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/") && !r.type.startsWith("kubernetes:yaml/");

export const kubernetesObjects = (run: OfflineRun) => run.resources.filter(isKubernetesObject).map((r) => ({ name: r.name, object: unwrapSecrets(r.inputs) as KubernetesObject }));
export const helmInstalls = (run: OfflineRun) =>
  run.resources.filter((r) => HELM.test(r.type)).map((r) => {
    const i = unwrapSecrets(r.inputs) as { chart: string; version: string; values?: unknown };
    return { name: r.name, chart: i.chart, version: i.version, values: i.values ?? {} };
  });

/**
 * What the stack asks of software we do not own, checked against that software's source:
 * chart values against the charts read at their pinned versions, every Kubernetes object
 * against its schema, alert rules by the real promtool.
 */
export const upstreamConformance = (getRun: () => OfflineRun) => {
  it("sets only chart values that were checked against each chart's source at the pinned version", () => {
    const installs = helmInstalls(getRun());
    expect(installs.length).toBeGreaterThan(0);
    const problems = installs.flatMap((i) => chartValueProblems(i.chart, i.version, i.values).map((p) => `${i.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("creates only Kubernetes objects that their schemas accept, unknown fields refused", () => {
    const objects = kubernetesObjects(getRun());
    expect(objects.length).toBeGreaterThan(0);
    const problems = objects.flatMap(({ name, object }) => schemaErrors(object).map((e) => `${name} (${object.apiVersion} ${object.kind}): ${e}`));
    expect(problems).toEqual([]);
  });

  it("configures Fluent Bit only with plugins its image has, each in its own section", () => {
    const agents = helmInstalls(getRun()).filter((i) => i.chart === "fluent-bit");
    expect(agents.length).toBeGreaterThan(0);
    for (const { name, values } of agents) {
      const config = (values as { config?: Record<string, string> }).config ?? {};
      const problems = ["inputs", "filters", "outputs"].flatMap((part) => fluentBitProblems(config[part] ?? ""));
      expect(problems, name).toEqual([]);
    }
  });

  it("writes alert and recording rules that the real `promtool check rules` accepts", () => {
    const rules = kubernetesObjects(getRun()).filter((o) => o.object.kind === "PrometheusRule");
    expect(rules.length).toBeGreaterThan(0);
    for (const { name, object } of rules) {
      const result = checkRules((object.spec as { groups: unknown[] }).groups);
      expect(result.ok, `${name}: ${result.output}`).toBe(true);
    }
  });
};
