/**
 * The policy pack installed the way the workflows and the operator guide install it, from a clean copy
 * (only the files git tracks, so nothing lying around on a developer's machine helps), then
 * started the way the Pulumi CLI starts a Node.js policy pack and asked for its policies over the
 * analyzer protocol, as the CLI does first.
 *
 * How the CLI starts it (pulumi/pulumi@v3.259.0): sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * RunPlugin and locateModule: `node -e "require.resolve('@pulumi/pulumi/cmd/run-policy-pack')"`
 * run in the pack's folder, then `node <that file> <engine address> <pack folder>`; it fails with
 * "try running npm install ... in <pack>" (pkg/resource/plugin/analyzer_plugin.go) when the
 * module is missing. The pack then prints its gRPC port on stdout (@pulumi/policy server.js).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PACK_NAME, PACK_POLICIES } from "../../policies/rules/pack-policies";

const ROOT = path.join(__dirname, "../..");
const INSTALL_TIMEOUT_MS = 240_000;
const PACK_START_TIMEOUT_MS = 180_000; // the CLI's ts-node type-checks the pack before it serves

type Workflow = { jobs: Record<string, { steps: { run?: string }[] }> };
const installSteps = (file: string) =>
  Object.values((parse(readFileSync(path.join(ROOT, ".github/workflows", file), "utf8")) as Workflow).jobs)
    .flatMap((j) => j.steps)
    .map((s) => s.run?.trim())
    .filter((run): run is string => !!run?.startsWith("npm ci"));
/** A `## ` section of a docs/ page. */
const docSection = (page: string, title: string) => readFileSync(path.join(ROOT, "docs", page), "utf8").split(/^## /m).find((s) => s.startsWith(title)) ?? "";

const work = mkdtempSync(path.join(os.tmpdir(), "cp-policy-install-"));
let pack: ChildProcess | undefined;
afterAll(async () => {
  pack?.kill("SIGKILL");
  await rm(work, { recursive: true, force: true }); // a whole node_modules: slow on a busy disk
}, 300_000);

/** A clean copy: the files git tracks, as they are in the working tree (edits included). */
const cleanCopy = (to: string) => {
  const files = execFileSync("git", ["ls-files", "-z", "--cached"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files.filter((f) => existsSync(path.join(ROOT, f)))) cpSync(path.join(ROOT, f), path.join(to, f), { recursive: true, force: true });
};

/** Start the pack as the CLI does; resolves with the port it prints. */
const startPack = (packDir: string) => {
  const runPolicyPack = execFileSync(process.execPath, ["-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))"], {
    cwd: packDir,
    encoding: "utf8",
  }).trim();
  // The engine address is the CLI's own gRPC server; run-policy-pack does not call it to start.
  pack = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let output = "";
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the pack printed no port within ${PACK_START_TIMEOUT_MS} ms:\n${output}`)), PACK_START_TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
      const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
      if (!port) return;
      clearTimeout(timer);
      resolve(Number(port));
    };
    pack!.stdout!.on("data", read);
    pack!.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    pack!.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the pack exited with ${code}:\n${output}`));
    });
  });
};

describe("policy pack install (as the workflows and the operator guide do it)", () => {
  const [install] = installSteps("preview.yml");

  it("preview and deploy install the program and the policy pack with one command, the one the operator guide's deploy steps give", () => {
    expect(install).toMatch(/^npm ci\b.*--workspace policies/);
    // The preview job's install (the cost job installs the whole checkout for the plan, not the pack).
    expect(installSteps("preview.yml").filter((s) => s.includes("policies"))).toEqual([install]);
    expect(installSteps("deploy.yml")).toEqual([install]);
    expect(docSection("operator-guide.md", "Deploy for real")).toContain(install);
    // One lockfile at the root: a package-lock.json inside a workspace would be ignored by npm.
    expect(execFileSync("git", ["ls-files", "policies", "apps", "infra"], { cwd: ROOT, encoding: "utf8" })).not.toMatch(/package-lock\.json/);
  });

  it(
    "When a clean copy is installed with that command, then the pack starts as the Pulumi CLI starts it and serves every policy, mandatory",
    async () => {
      cleanCopy(work);
      try {
        execFileSync("sh", ["-c", install!], {
          cwd: work,
          // From npm's cache when it can (CI's `npm ci` has filled it); the network otherwise.
          env: { ...process.env, npm_config_prefer_offline: "true", npm_config_update_notifier: "false" },
          stdio: "pipe",
          timeout: INSTALL_TIMEOUT_MS,
        });
      } catch (err) {
        const e = err as { stderr?: Buffer; message: string };
        throw new Error(`\`${install}\` failed in a clean copy: ${e.stderr?.toString() || e.message}`);
      }
      const packDir = path.join(work, "policies");
      const port = await startPack(packDir);

      // The client side of the analyzer protocol, from the pack's own install.
      const req = createRequire(path.join(packDir, "index.ts"));
      const grpc = req("@grpc/grpc-js");
      const { AnalyzerClient } = req("@pulumi/pulumi/proto/analyzer_grpc_pb");
      const { Empty } = req("google-protobuf/google/protobuf/empty_pb");
      const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const info = await new Promise<any>((resolve, reject) => client.getAnalyzerInfo(new Empty(), (err: Error | null, res: any) => (err ? reject(err) : resolve(res))));
      client.close();

      expect(info.getName()).toBe(PACK_NAME);
      const policies = info.getPoliciesList() as any[];
      expect(policies.map((p) => p.getName()).sort()).toEqual(PACK_POLICIES.map((p) => p.name).sort());
      // The settings each policy accepts: the CLI checks --policy-pack-config against these.
      const settings = (p: any) => Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}).sort();
      for (const p of policies) {
        const expected = Object.keys(PACK_POLICIES.find((q) => q.name === p.getName())?.configSchema?.properties ?? {}).sort();
        expect(settings(p), p.getName()).toEqual(expected);
      }
      const { EnforcementLevel } = req("@pulumi/pulumi/proto/analyzer_pb");
      for (const p of policies) expect(p.getEnforcementlevel(), p.getName()).toBe(EnforcementLevel.MANDATORY);
    },
    INSTALL_TIMEOUT_MS + PACK_START_TIMEOUT_MS + 30_000,
  );
});
