import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
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
});
