#!/usr/bin/env node
// Makes sure the real tools some tests drive are installed before `npm test`: Chromium for the
// web console's browser tests (playwright-core cannot download browsers here), promtool for the
// alert rules. Installs them
// from Debian/Ubuntu packages when we can (root + apt-get), or stops with the command to run.
import { execSync, spawnSync } from "node:child_process";

const tools = [
  { name: "Chromium (console browser tests)", binary: "chromium", pkg: "chromium" },
  // Debian's prometheus package has promtool, which checks the alert rules (test/infra/upstream-suite.ts).
  { name: "promtool (alert rule checks)", binary: "promtool", pkg: "prometheus" },
];

const has = (bin) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

const missing = tools.filter((t) => !has(t.binary));
if (missing.length > 0) {
  const pkgs = missing.map((t) => t.pkg).join(" ");
  if (isRoot && has("apt-get")) {
    console.log(`… installing ${missing.map((t) => t.name).join(", ")} from the OS packages`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs}`, { stdio: "inherit" });
  } else {
    console.error(`✗ missing: ${missing.map((t) => t.name).join(", ")}. Install, then run this command again:\n    sudo apt-get install -y ${pkgs}`);
    process.exit(1);
  }
}
