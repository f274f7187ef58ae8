/**
 * cpctl as a user installs it: the package apps/cli packed by npm, installed globally into a
 * fresh prefix, run with plain node (no tsx, no node_modules of this checkout).
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCpctl, runCpctl } from "../support/cpctl";

const exec = promisify(execFile);
const root = path.join(__dirname, "../..");
let bin: string;

beforeAll(async () => {
  bin = await buildCpctl();
}, 60_000);

describe("cpctl as an installed package", { timeout: 120_000 }, () => {
  it("When the package is packed and installed with npm i -g into a fresh prefix, then <prefix>/bin/cpctl --version runs under plain node", async () => {
    // The package as it ships: its package.json and the built file (npm pack takes `files`).
    const pkgDir = await mkdtemp(path.join(os.tmpdir(), "cpctl-pkg-"));
    await mkdir(path.join(pkgDir, "dist"));
    await copyFile(path.join(root, "apps/cli/package.json"), path.join(pkgDir, "package.json"));
    await copyFile(bin, path.join(pkgDir, "dist/cpctl.cjs"));
    const { stdout: packed } = await exec("npm", ["pack", "--json", "--pack-destination", pkgDir], { cwd: pkgDir });
    const [info] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
    expect(info!.files.map((f) => f.path).sort()).toEqual(["dist/cpctl.cjs", "package.json"]);

    const prefix = await mkdtemp(path.join(os.tmpdir(), "cpctl-prefix-"));
    await exec("npm", ["i", "-g", path.join(pkgDir, info!.filename), "--prefix", prefix, "--no-audit", "--no-fund"], { cwd: prefix });
    // Only node on the PATH: nothing of this checkout (tsx, node_modules) can help it run.
    const { stdout } = await exec(path.join(prefix, "bin/cpctl"), ["--version"], { cwd: prefix, env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: prefix } });
    const { version } = JSON.parse(await readFile(path.join(root, "apps/cli/package.json"), "utf8")) as { version: string };
    expect(stdout.trim()).toBe(version);
  });

  it("When completion is asked for bash, zsh or fish, then each script names every command and the choices of -o; bash runs it and completes commands and choices", async () => {
    const [bash, zsh, fish, bad] = await Promise.all(["bash", "zsh", "fish", "tcsh"].map((s) => runCpctl(bin, ["completion", s])));
    for (const r of [bash!, zsh!, fish!]) {
      expect(r.code, r.stderr).toBe(0);
      for (const c of ["submit", "validate", "get", "list", "watch", "logs", "delete"]) expect(r.stdout).toContain(c);
      expect(r.stdout).toMatch(/table wide json yaml name/);
    }
    await exec("bash", ["-n", "-c", bash!.stdout]);
    // Sourced in a real bash: completing `cpctl li` offers `list`, `cpctl list --status D` offers DONE.
    const probe = `${bash!.stdout}\nCOMP_WORDS=(cpctl li); COMP_CWORD=1; _cpctl; echo "\${COMPREPLY[*]}"; COMP_WORDS=(cpctl list --status D); COMP_CWORD=3; _cpctl; echo "\${COMPREPLY[*]}"`;
    const { stdout } = await exec("bash", ["-c", probe]);
    expect(stdout.split("\n").slice(0, 2)).toEqual(["list", "DONE"]);
    expect(zsh!.stdout).toMatch(/^#compdef cpctl/);
    expect(fish!.stdout).toMatch(/complete -c cpctl -n '__fish_seen_subcommand_from list' -l status -x -a 'PENDING /);
    expect(bad!.code).toBe(4);
    expect(bad!.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});
