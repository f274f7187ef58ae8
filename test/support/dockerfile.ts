import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, renameSync, symlinkSync } from "node:fs";
import path from "node:path";

/**
 * Our Dockerfile, run stage by stage in plain folders: there is no Docker engine on these
 * machines, but its COPY, RUN, ENV and ENTRYPOINT can still be carried out as written.
 * Only the instructions the file uses are understood; anything else fails the test loudly.
 * Semantics from https://docs.docker.com/reference/dockerfile/ (COPY of a folder copies its
 * contents; a destination ending in "/" is a folder; exec-form ENTRYPOINT is a JSON array).
 */
export interface Instruction {
  op: string;
  args: string;
}
export interface Stage {
  name: string;
  steps: Instruction[];
}

export const readDockerfile = (text: string): Stage[] => {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim());
  for (const line of lines.filter((l) => l && !l.startsWith("#"))) {
    const [, op = "", args = ""] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === "FROM") stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1] ?? "final", steps: [] });
    else stages.at(-1)?.steps.push({ op: op.toUpperCase(), args });
  }
  return stages;
};

/** The exec-form ENTRYPOINT of a stage, e.g. ["/nodejs/bin/node", "dist/apps/run-service.js"]. */
export const entrypoint = (stage: Stage): string[] => JSON.parse(stage.steps.find((s) => s.op === "ENTRYPOINT")?.args ?? "[]") as string[];
export const envOf = (stage: Stage): Record<string, string> =>
  Object.fromEntries(stage.steps.filter((s) => s.op === "ENV").map((s) => s.args.split("=", 2) as [string, string]));

export interface StageRun {
  /** The build context (the checkout). */
  context: string;
  /** Where this stage's WORKDIR is. */
  dir: string;
  /** Earlier stages' folders, for COPY --from. */
  stages: Map<string, string>;
  /** Environment for RUN. */
  env: NodeJS.ProcessEnv;
  /** RUN commands starting with this are replaced by linking `node_modules` from the checkout. */
  replaceInstall?: { command: string; nodeModules: string };
  timeoutMs: number;
}

/** Carries out one stage's COPY and RUN steps in `run.dir` (WORKDIR is that folder). */
export const runStage = (stage: Stage, run: StageRun): void => {
  mkdirSync(run.dir, { recursive: true });
  for (const { op, args } of stage.steps) {
    if (op === "COPY") copy(args, run);
    else if (op === "RUN") {
      if (run.replaceInstall && args.startsWith(run.replaceInstall.command)) symlinkSync(run.replaceInstall.nodeModules, path.join(run.dir, "node_modules"));
      else execFileSync("sh", ["-c", args], { cwd: run.dir, env: run.env, stdio: "pipe", timeout: run.timeoutMs });
    } else if (!["WORKDIR", "ENV", "USER", "EXPOSE", "ENTRYPOINT", "CMD"].includes(op)) throw new Error(`Dockerfile: ${op} is not emulated`);
  }
};

const copy = (args: string, run: StageRun) => {
  const words = args.split(/\s+/);
  const from = words[0]?.startsWith("--from=") ? words.shift()!.slice("--from=".length) : undefined;
  const dest = words.pop()!;
  for (const src of words) {
    if (from) {
      // From an earlier stage: its /app is that stage's folder. Moved when nothing is there yet (the
      // stage folder is thrown away, and node_modules is large), merged like Docker otherwise.
      const source = path.join(run.stages.get(from) ?? fail(`no stage ${from}`), path.relative("/app", src));
      const target = path.join(run.dir, dest);
      mkdirSync(path.dirname(target), { recursive: true });
      if (existsSync(target)) cpSync(source, target, { recursive: true });
      else renameSync(source, target);
    } else {
      const target = dest.endsWith("/") ? path.join(run.dir, dest, path.basename(src)) : path.join(run.dir, dest);
      cpSync(path.join(run.context, src), target, { recursive: true });
    }
  }
};

const fail = (message: string): never => {
  throw new Error(`Dockerfile: ${message}`);
};
