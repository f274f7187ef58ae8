import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";

/** promtool's version line, or an error that says how to install it (`npm test` does: scripts/ensure-test-tools.mjs). */
export const promtoolVersion = (): string => {
  try {
    return execFileSync("promtool", ["--version"], { encoding: "utf8" }).split("\n")[0]!;
  } catch {
    throw new Error("promtool is not installed: `apt-get install -y prometheus` (Debian) puts it on PATH; .ci/run does this in CI");
  }
};

/**
 * Run the real `promtool check rules` over rule groups (a PrometheusRule's `spec.groups`).
 * Returns promtool's output and whether it accepted the file.
 */
export const checkRules = (groups: unknown[]): { ok: boolean; output: string } => {
  promtoolVersion();
  const dir = mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  try {
    const file = path.join(dir, "rules.yaml");
    writeFileSync(file, stringify({ groups }));
    const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** One `promtool test rules` test group (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/). */
export interface RuleTestGroup {
  name: string;
  /** Sample spacing; promtool's default is the evaluation interval (1m). */
  interval?: string;
  /** `series` in PromQL notation; `values` in promtool's expanding notation (`0+60x10`, `5x20`). */
  input_series: { series: string; values: string }[];
  /**
   * The alerts firing under `alertname` at `eval_time` (pending ones are not listed): all of
   * them, labels and annotations compared exactly; an empty `exp_alerts` means none fires.
   */
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[];
}

/**
 * Run the real `promtool test rules` over rule groups (a PrometheusRule's `spec.groups`) and
 * test groups. Returns promtool's output and whether every expectation held.
 */
export const testRules = (groups: unknown[], tests: RuleTestGroup[]): { ok: boolean; output: string } => {
  promtoolVersion();
  const dir = mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  try {
    writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups }));
    const file = path.join(dir, "tests.yaml");
    writeFileSync(file, stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }));
    const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8", cwd: dir });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
