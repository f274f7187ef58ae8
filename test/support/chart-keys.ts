import type { SchemaObject } from "ajv";
import { CHECKED_CHARTS, type CheckedChart } from "./checked-chart-keys";
import { shapeErrors } from "./k8s-schema";

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * What is wrong with the values we pass to a chart, measured against the keys we checked
 * upstream (./checked-chart-keys.ts): keys nobody checked, verbatim subtrees of the wrong
 * shape, a chart version nobody read. Empty when all is well.
 */
export const chartValueProblems = (chart: string, version: string, values: unknown, record: Record<string, CheckedChart> = CHECKED_CHARTS): string[] => {
  const checked = record[`${chart}@${version}`];
  if (!checked) return [`${chart}@${version}: no upstream check recorded for this chart version; read the chart at that version and record its keys in test/support/checked-chart-keys.ts`];
  const problems: string[] = [];
  const walk = (value: unknown, path: string): void => {
    const key = path ? checked.keys[path] : undefined;
    if (key?.verbatim) {
      const shape: string | SchemaObject | undefined = key.verbatim.shape;
      if (shape) problems.push(...shapeErrors(shape, value).map((e) => `${chart}@${version} ${path}${e}`));
      return;
    }
    if (isMap(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, join(path, k));
      return;
    }
    if (Array.isArray(value) && value.some((x) => isMap(x) || Array.isArray(x))) {
      for (const item of value) walk(item, `${path}[]`);
      return;
    }
    if (!key) problems.push(`${chart}@${version} sets ${path}, which nobody checked against ${checked.source}: check that the chart reads it, then record it`);
  };
  walk(values, "");
  return [...new Set(problems)];
};
