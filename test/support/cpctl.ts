import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildCli } from "../../scripts/build-cli";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** cpctl from its TypeScript sources (through tsx), as `npm run cpctl` runs it: no build step. */
export const CPCTL_FROM_SOURCE = path.join(__dirname, "../../apps/cli/cpctl.cjs");

/** Build cpctl as it ships (one bundled file) into a fresh folder; resolves to its path. */
export const buildCpctl = async (): Promise<string> => (await buildCli(path.join(await mkdtemp(path.join(os.tmpdir(), "cpctl-build-")), "cpctl.cjs"))).file;

/** cpctl as a user runs it: its own process, plain node on the built bin, the API named by CP_API_URL, no config file. */
export const runCpctl = (bin: string, args: string[], opts: { api?: string; input?: string; env?: Record<string, string> } = {}): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...(opts.api ? { CP_API_URL: opts.api } : {}), CPCTL_CONFIG: path.join(os.tmpdir(), "cpctl-no-config.yaml"), ...opts.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(opts.input ?? "");
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
