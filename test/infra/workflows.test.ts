import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

type Step = { name?: string; if?: string; uses?: string; run?: string; with?: Record<string, unknown>; "working-directory"?: string };
type Job = { "runs-on": string; needs?: string; if?: string; steps: Step[]; env?: Record<string, string>; "timeout-minutes"?: number };
type Workflow = { name: string; on: Record<string, any>; permissions: Record<string, string>; jobs: Record<string, Job> };

const dir = path.join(__dirname, "../../.github/workflows");
const wf = (file: string) => parse(readFileSync(path.join(dir, file), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const uses = (w: Workflow, action: string) => steps(w).filter((s) => s.uses?.startsWith(action));

describe("delivery workflows (parsed, no network)", () => {
  it("every workflow has least-privilege permissions, timeouts, and actions pinned to a major version", () => {
    for (const file of readdirSync(dir)) {
      const w = wf(file);
      expect(w.permissions, file).toBeDefined();
      expect(w.permissions.contents, file).toBe("read");
      for (const [name, job] of Object.entries(w.jobs)) {
        expect(job["timeout-minutes"], `${file} ${name}`).toBeGreaterThan(0);
        for (const s of job.steps) if (s.uses) expect(s.uses, `${file} ${name}`).toMatch(/@v\d+$/);
      }
      // GCP auth by Workload Identity Federation only: never a key file.
      for (const s of uses(w, "google-github-actions/auth")) {
        expect(s.with?.credentials_json, file).toBeUndefined();
        expect(s.with?.workload_identity_provider, file).toBeDefined();
      }
      if (uses(w, "google-github-actions/auth").length) expect(w.permissions["id-token"], file).toBe("write");
    }
  });

  it("ci: on every push and PR, installs, typechecks, lints and runs the README's test command", () => {
    const w = wf("ci.yml");
    expect(Object.keys(w.on).sort()).toEqual(["pull_request", "push"]);
    const runs = steps(w).map((s) => s.run);
    expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm run typecheck", "npm run lint", "npm test"]));
    expect(runs.indexOf("npm ci")).toBeLessThan(runs.indexOf("npm test"));
    // The README (an entry; the rest is in docs/) still states the two commands, the test one as CI runs it.
    const twoCommands = readFileSync(path.join(__dirname, "../../README.md"), "utf8").split(/^## /m).find((s) => s.startsWith("Two commands")) ?? "";
    expect(twoCommands).toContain("npm ci && npm test");
    expect(twoCommands).toContain("npm ci && npm start");
  });

  it("install steps: one `npm ci` per job at the root, naming only workspaces the root package.json declares", () => {
    const { workspaces } = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { workspaces: string[] };
    for (const file of readdirSync(dir)) {
      for (const [name, job] of Object.entries(wf(file).jobs)) {
        const installs = job.steps.map((s) => s.run?.trim() ?? "").filter((r) => r.startsWith("npm ci"));
        // A second `npm ci` would delete what the first installed; `--prefix` would look for a lockfile that is not there.
        expect(installs.length, `${file} ${name}`).toBeLessThanOrEqual(1);
        for (const run of installs) {
          expect(run, `${file} ${name}`).not.toMatch(/--prefix/);
          for (const [, ws] of run.matchAll(/--workspace[= ](\S+)/g)) expect(workspaces, `${file} ${name}`).toContain(ws);
        }
      }
    }
    // Pulumi needs the program's and the pack's dependencies (test/policies/install.test.ts runs this command).
    for (const file of ["preview.yml", "deploy.yml"]) {
      expect(steps(wf(file)).map((s) => s.run)).toContain("npm ci --workspace infra --workspace policies");
    }
  });

  it("preview: on PRs, previews the dev stack with the policy pack and comments the result", () => {
    const w = wf("preview.yml");
    expect(Object.keys(w.on)).toEqual(["pull_request"]);
    expect(w.permissions["pull-requests"]).toBe("write");
    const [pulumi] = uses(w, "pulumi/actions");
    expect(pulumi?.with).toMatchObject({ command: "preview", "stack-name": "dev", "comment-on-pr": true, policyPacks: "policies" });
    expect(readdirSync(path.join(__dirname, "../../policies"))).toContain("config.dev.json");
  });

  it("deploy: on main, builds and pushes the image, then runs pulumi up with it", () => {
    const w = wf("deploy.yml");
    expect(w.on.push.branches).toEqual(["main"]);
    expect(uses(w, "docker/build-push-action")[0]?.with).toMatchObject({ push: true });
    expect(w.jobs.up!.needs).toBe("image");
    expect(uses(w, "pulumi/actions")[0]?.with).toMatchObject({ command: "up", "stack-name": "dev", policyPacks: "policies" });
    expect(String(uses(w, "pulumi/actions")[0]?.with?.["config-map"])).toContain("imageTag");
  });

  it("destroy: manual only, and only when the stack name is typed again", () => {
    const w = wf("destroy.yml");
    expect(Object.keys(w.on)).toEqual(["workflow_dispatch"]);
    expect(w.on.workflow_dispatch.inputs.confirm.required).toBe(true);
    expect(w.jobs.destroy!.if).toBe("inputs.confirm == inputs.stack");
    expect(uses(w, "pulumi/actions")[0]?.with).toMatchObject({ command: "destroy" });
  });

  it("preview: comments the PR's cost next to the base branch's, offline, in one comment updated on each push", () => {
    const w = wf("preview.yml");
    const job = w.jobs.cost!;
    // No cloud credentials: the estimate is the offline run.
    expect(job.steps.some((s) => s.uses?.startsWith("google-github-actions/auth") || s.uses?.startsWith("pulumi/actions"))).toBe(false);
    const checkouts = job.steps.filter((s) => s.uses?.startsWith("actions/checkout"));
    expect(checkouts.map((s) => s.with)).toEqual([{ path: "head" }, { ref: "${{ github.event.pull_request.base.sha }}", path: "base" }]);
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.cost).toBe("tsx infra/cost/cost-cli.ts");
    const step = (name: string) => job.steps.find((s) => s.name === name)!;
    expect(step("Estimate the PR's cost").run).toContain('npm run --silent cost -- "$stack" > "../cost/head/$stack.json"');
    expect(step("Estimate the base branch's cost").run).toContain("npm pkg get scripts.cost");
    const [sticky] = uses(w, "marocchino/sticky-pull-request-comment");
    expect(sticky?.with).toEqual({ header: "cost-estimate", path: "cost/comment.md" });
    // Forks get a read-only token: they keep the estimate in the job summary instead.
    expect(sticky?.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");

    // Run the comment step's own command in the workflow's layout, on estimates of a small stack.
    const work = mkdtempSync(path.join(os.tmpdir(), "cost-wf-"));
    // `head` is a real folder (so `..` is the workspace) whose sources are the repository's.
    mkdirSync(path.join(work, "head"));
    for (const f of ["node_modules", "package.json", "tsconfig.json", "infra", "apps", "stacks", "charts"]) symlinkSync(path.join(__dirname, "../..", f), path.join(work, "head", f));
    const estimate = (min: number) => ({
      stack: "dev", region: "europe-west1", pricesAsOf: "test", warnings: [], assumptions: [], shared: [],
      clusters: [{ cluster: "management", machineType: "e2-standard-2", spot: true, nodes: { presetMin: min, presetMax: 3, needed: 1, floor: min, ceiling: 3 }, lines: [{ item: "nodes", floorHour: min * 0.02, ceilingHour: 0.06 }] }],
      total: { floorHour: min * 0.02, ceilingHour: 0.06 },
    });
    for (const [side, min] of [["base", 1], ["head", 2]] as const) {
      mkdirSync(path.join(work, "cost", side), { recursive: true });
      writeFileSync(path.join(work, "cost", side, "dev.json"), JSON.stringify(estimate(min)));
      writeFileSync(path.join(work, "cost", side, "prod.json"), JSON.stringify(estimate(1)));
    }
    const write = step("Write the comment");
    const summary = path.join(work, "summary.md");
    execFileSync("bash", ["-euo", "pipefail", "-c", write.run!], { cwd: path.join(work, write["working-directory"]!), stdio: "pipe", env: { ...process.env, GITHUB_STEP_SUMMARY: summary } });
    expect(readFileSync(summary, "utf8")).toContain("<!-- cost-estimate -->");
    const comment = readFileSync(path.join(work, String(sticky?.with?.path)), "utf8");
    rmSync(work, { recursive: true, force: true });
    expect(comment).toContain("| dev | $14.60 → $29.20 | +$14.60 |");
    expect(comment).toContain("| prod | $14.60 → $14.60 | ±$0.00 |");
  }, 60_000);
});
