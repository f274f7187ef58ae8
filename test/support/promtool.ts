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
