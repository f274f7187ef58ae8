/**
 * What the Pulumi CLI checks before it starts the program, reproduced rule by rule from
 * pulumi/pulumi@v3.247.0 (the tag our @pulumi/pulumi pins):
 *   sdk/go/common/workspace/loaders.go   LoadProjectBytes, LoadProjectStackBytes
 *   sdk/go/common/workspace/project.go   ValidateProject (+ project.json), RewriteShorthandConfigValues, Project.Validate
 *   sdk/go/common/workspace/config.go    mergeConfig, validateStackConfigValues
 *   sdk/go/common/resource/config/key.go ParseKey
 *   pkg/resource/analyzer/config.go      parsePolicyPackConfig, ReconcilePolicyPackConfig (via pkg/engine/update.go)
 * Every rule has a failing example; the real project, stack and policy-config files must pass.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PACK_NAME, PACK_POLICIES } from "../../policies/rules/pack-policies";
import { loadLikeTheCli, OFFLINE_SECRET, PROJECT_ROOT, PulumiLoaderError } from "../../infra/plan/pulumi-loader";
import { checkPolicyPackConfig } from "../../infra/plan/pulumi-loader/policy-pack-config";
import { loadProjectFile } from "../../infra/plan/pulumi-loader/project-file";
import { loadStackConfig } from "../../infra/plan/pulumi-loader/stack-file";

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PulumiLoaderError) return err.message;
    throw err;
  }
  throw new Error("expected the loader to refuse");
};

const project = (configBlock: string, head = "name: p\nruntime: nodejs\n") => `${head}config:\n${configBlock}`;

/** The project file as it was before this fix: what every `pulumi` command refused. */
const BEFORE_FIX = `name: gcp-compute-platform
runtime: nodejs
config:
  gcp:project:
    type: string
    description: The Google Cloud project.
  preset:
    type: string
  zones:
    type: array
    items:
      type: string
  baseCidr:
    type: string
    default: 10.0.0.0/10
  deletionProtection:
    type: boolean
  releaseChannel:
    type: string
`;

describe("the project file, as the Pulumi CLI loads it", () => {
  it("When the real Pulumi.yaml is loaded, then the CLI accepts it", () => {
    const p = loadProjectFile(readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
    expect(p.name).toBe("gcp-compute-platform");
    expect(Object.keys(p.config)).not.toContain("gcp:project");
  });

  it("When a provider's key declares a type (the defect of the first version), then it is refused with the CLI's message", () => {
    expect(refusal(() => loadProjectFile(BEFORE_FIX))).toBe(
      "could not unmarshal 'Pulumi.yaml': Configuration key 'gcp:project' is not namespaced by the project and should not define a type",
    );
  });

  it("When a provider's key has only a description, then the CLI wants a value", () => {
    expect(refusal(() => loadProjectFile(project("  gcp:region:\n    description: where\n")))).toContain("Configuration key 'gcp:region' is namespaced and must provide an attribute 'value'");
  });

  it("When a provider's key has a default, then the CLI says to use value", () => {
    expect(refusal(() => loadProjectFile(project("  gcp:region:\n    default: europe-west1\n")))).toContain(
      "Configuration key 'gcp:region' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?",
    );
  });

  it("When a provider's key has a value (or a shorthand value), then it is accepted", () => {
    expect(loadProjectFile(project("  gcp:region:\n    value: europe-west1\n")).config["gcp:region"]).toEqual({ value: "europe-west1" });
    expect(loadProjectFile(project("  gcp:region: europe-west1\n")).config["gcp:region"]).toEqual({ value: "europe-west1" });
  });

  it("When a key has both default and value, then it is refused", () => {
    expect(refusal(() => loadProjectFile(project("  size:\n    default: 1\n    value: 2\n")))).toContain("project config 'size' cannot have both a 'default' and 'value' attribute");
  });

  it("When an array key gives no items type, then it is refused (the schema and Project.Validate both say so)", () => {
    expect(refusal(() => loadProjectFile(project("  zones:\n    type: array\n")))).toMatch(/zones/);
    // Past the schema (items present but not for the outer array in shorthand form), Validate's own message:
    expect(refusal(() => loadProjectFile(project("  zones:\n    type: array\n    items:\n      type: array\n")))).toContain("#/config/zones/items");
  });

  it("When a default does not fit its type, then the CLI names the expected type", () => {
    expect(refusal(() => loadProjectFile(project("  count:\n    type: integer\n    default: many\n")))).toContain(
      "The default value specified for configuration key 'count' is not of the expected type 'integer'",
    );
    expect(refusal(() => loadProjectFile(project("  zones:\n    type: array\n    items:\n      type: string\n    default: [1, 2]\n")))).toContain("not of the expected type 'array<string>'");
    expect(loadProjectFile(project("  count:\n    type: integer\n    default: 3\n")).config.count?.default).toBe(3);
  });

  it("When the name is missing or empty, then the project is refused before the schema", () => {
    expect(refusal(() => loadProjectFile("runtime: nodejs\n"))).toBe("could not validate 'Pulumi.yaml': project is missing a 'name' attribute");
    expect(refusal(() => loadProjectFile("name: ''\nruntime: nodejs\n"))).toBe("could not validate 'Pulumi.yaml': project is missing a non-empty string 'name' attribute");
  });

  it("When a declaration has an attribute the schema does not allow (a typo), then the schema refuses it", () => {
    expect(refusal(() => loadProjectFile(project("  preset:\n    type: string\n    descripton: typo\n")))).toMatch(/could not validate 'Pulumi.yaml': #\/config\/preset.*additional properties/);
    expect(refusal(() => loadProjectFile(project("  preset:\n    type: text\n")))).toMatch(/#\/config\/preset/);
    expect(refusal(() => loadProjectFile("name: p\nruntime:\n  name: nodejs\n  typescript: true\n"))).toMatch(/#\/runtime/);
  });

  it("When config is a directory and stackConfigDir is set too, then it is refused", () => {
    expect(refusal(() => loadProjectFile("name: p\nruntime: nodejs\nconfig: stacks\nstackConfigDir: stacks\n"))).toContain("Should not use both config and stackConfigDir");
  });
});

describe("each stack's config, merged with the project's declarations as the CLI does", () => {
  const declared = loadProjectFile(project("  preset:\n    type: string\n  zones:\n    type: array\n    items:\n      type: string\n  baseCidr: 10.0.0.0/10\n  token:\n    type: string\n    secret: true\n"));
  const token = "  token:\n    secure: v1:AAAA\n";

  it("When every stack file of this repository is loaded with its policy config, then the CLI would start the program", () => {
    const stacks = readdirSync(PROJECT_ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
    expect(stacks.sort()).toEqual(["dev", "prod"]);
    for (const stack of stacks) {
      const loaded = loadLikeTheCli(stack);
      expect(loaded.config.values["gcp-compute-platform:preset"]).toBe(stack);
      expect(loaded.warnings).toEqual([]);
    }
  });

  it("When optional overrides were declared without defaults (the second defect), then every stack was missing them", () => {
    const old = loadProjectFile(BEFORE_FIX.replace(/ {2}gcp:project:\n.*\n.*\n/, ""));
    const dev = readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");
    expect(refusal(() => loadStackConfig(old, "dev", dev))).toBe("Stack 'dev' is missing configuration values 'deletionProtection' and 'releaseChannel'");
    const prod = readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
    expect(refusal(() => loadStackConfig(old, "prod", prod))).toBe("Stack 'prod' is missing configuration values 'deletionProtection', 'releaseChannel' and 'zones'");
  });

  it("When a stack has no file, then its config is empty and required keys are missing (as for `pulumi stack init`)", () => {
    expect(refusal(() => loadStackConfig(declared, "fresh", undefined))).toBe("Stack 'fresh' is missing configuration values 'preset', 'token' and 'zones'");
  });

  it("When a key is unset in the stack, then the project's default reaches the program, and keys without a namespace get the project's", () => {
    const c = loadStackConfig(declared, "s", `config:\n  preset: dev\n  zones: [a-b1-c]\n${token}`);
    expect(c.values).toMatchObject({ "p:preset": "dev", "p:baseCidr": "10.0.0.0/10", "p:zones": '["a-b1-c"]' });
  });

  it("When a stack value does not fit the declared type, then the CLI refuses it with the type's name", () => {
    expect(refusal(() => loadStackConfig(declared, "s", `config:\n  p:preset: dev\n  p:zones: europe-west1-b\n${token}`))).toBe("Stack 's' with configuration key 'zones' must be of type 'array<string>'");
  });

  it("When a key the project marks secret is set in plain text, then the CLI wants it encrypted", () => {
    expect(refusal(() => loadStackConfig(declared, "s", "config:\n  preset: dev\n  zones: []\n  token: abc\n"))).toBe("Stack 's' with configuration key 'token' must be encrypted as it's secret");
  });

  it("When a secret key has only a project default, then the CLI refuses it too (the default is plain text)", () => {
    const withDefault = loadProjectFile(project("  preset: dev\n  token:\n    type: string\n    secret: true\n    default: none\n"));
    expect(refusal(() => loadStackConfig(withDefault, "s", "config: {}\n"))).toBe("Stack 's' with configuration key 'token' must be encrypted as it's secret");
  });

  it("When a value is encrypted (secure:), then the program gets it as a secret, with a placeholder offline", () => {
    const c = loadStackConfig(declared, "s", `config:\n  preset: dev\n  zones: []\n${token}  gcp:credentials:\n    secure: v1:BBBB\n`);
    expect(c.secretKeys.sort()).toEqual(["gcp:credentials", "p:token"]);
    expect(c.values["p:token"]).toBe(OFFLINE_SECRET);
  });

  it("When a key has too many colons, then it is not a configuration key", () => {
    expect(refusal(() => loadStackConfig(declared, "s", "config:\n  a:b:c: 1\n"))).toContain("could not parse a:b:c as a configuration key");
    // The old `<namespace>:config:<name>` form is still accepted.
    expect(loadStackConfig(declared, "s", `config:\n  preset: dev\n  zones: []\n  gcp:config:region: x\n${token}`).values["gcp:region"]).toBe("x");
  });
});

describe("the policy pack's config, checked as `--policy-pack-config` is", () => {
  const check = (text: string) => checkPolicyPackConfig(PACK_NAME, PACK_POLICIES, text, "config.json");

  it("When each policies/config.*.json is checked against the pack's schemas, then it passes and names only real policies", () => {
    const files = readdirSync(path.join(PROJECT_ROOT, "policies")).filter((f) => /^config\..+\.json$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(check(readFileSync(path.join(PROJECT_ROOT, "policies", f), "utf8")).unknownPolicies).toEqual([]);
  });

  it("When a setting has the wrong type, then the engine refuses the pack's config before the program runs", () => {
    expect(refusal(() => check('{"gke-deletion-protection": {"expectDeletionProtection": "no"}}'))).toBe(
      'validating policy config for "gcp-platform": gke-deletion-protection: expectDeletionProtection: must be boolean',
    );
    expect(refusal(() => check('{"required-labels": {"requiredLabels": "platform"}}'))).toContain("required-labels: requiredLabels: must be array");
  });

  it("When an enforcement level is not one the engine knows, or a value is neither a string nor an object, then it is refused", () => {
    expect(refusal(() => check('{"spot-node-pools": "strict"}'))).toBe('parsing enforcement level for "spot-node-pools": "strict" is not a valid enforcement level');
    expect(refusal(() => check('{"spot-node-pools": {"enforcementLevel": 3}}'))).toContain("is not a valid enforcement level");
    expect(refusal(() => check('{"spot-node-pools": true}'))).toBe('parsing "spot-node-pools": true is not a valid value; must be a string or object');
  });

  it("When a setting names no policy of the pack, then it is reported (the CLI would silently ignore it)", () => {
    expect(check('{"gke-deletion-protections": {"expectDeletionProtection": true}}').unknownPolicies).toEqual(["gke-deletion-protections"]);
  });
});

describe("npm run plan stops where `pulumi preview` would", () => {
  it("When the project file is the one the CLI refused, then the plan exits 1 with the CLI's message and runs no program", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "plan-loader-"));
    writeFileSync(path.join(dir, "Pulumi.yaml"), BEFORE_FIX);
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml")));
    const tsx = path.join(PROJECT_ROOT, "node_modules/.bin/tsx");
    const run = await promisify(execFile)(tsx, ["infra/plan/cli.ts", "dev", "--cwd", dir], { cwd: PROJECT_ROOT }).then(
      () => ({ code: 0, stderr: "", stdout: "" }),
      (err: { code: number; stderr: string; stdout: string }) => err,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: could not unmarshal 'Pulumi.yaml': Configuration key 'gcp:project' is not namespaced by the project and should not define a type");
    expect(run.stdout).not.toContain("Plan for stack");
  });
});
