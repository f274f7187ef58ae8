/**
 * npm run plan [-- <stack>]: what `pulumi preview` would create for a stack, without the
 * Pulumi CLI or a cloud (the real program under Pulumi's mock runtime), how long the program
 * took to run, what it costs, and who can reach what (infra/plan/reachability). It first makes the checks the CLI makes before it starts a program
 * (project file, stack file, policy-pack config) and stops where the CLI would, with its message.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { loadLikeTheCli, PROJECT_ROOT, PulumiLoaderError } from "./pulumi-loader";
import { runOffline } from "./offline-run";
import { renderTree } from "./render-tree";
import { costReport } from "../cost/report";
import { reachabilityOf, renderMatrix } from "./reachability";

/** Exit only once the (possibly piped) output is written: the mock runtime keeps handles open. */
const exitAfter = (stream: NodeJS.WriteStream, text: string, code: number) => stream.write(text, () => process.exit(code));

const main = async (stack: string, root: string): Promise<void> => {
  let loaded: ReturnType<typeof loadLikeTheCli>;
  try {
    loaded = loadLikeTheCli(stack, root);
  } catch (err) {
    if (!(err instanceof PulumiLoaderError)) throw err;
    exitAfter(process.stderr, `error: ${err.message}\n(the Pulumi CLI stops here too, before the program runs: fix ${err.file})\n`, 1);
    return;
  }
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  const run = await runOffline(loaded.config, stack);
  const counts = new Map<string, number>();
  for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const lines = [`Plan for stack "${stack}" (offline, Pulumi mocks)`, "", renderTree(run.resources), "", `Resources: ${run.resources.length} to create`];
  for (const [type, n] of [...counts].sort()) lines.push(`  ${String(n).padStart(3)}  ${type}`);
  lines.push("", `Program ran in ${run.milliseconds.toFixed(0)} ms`, "", costReport(run.resources, stack), "", renderMatrix(reachabilityOf(run)), "");
  exitAfter(process.stdout, lines.join("\n"), 0);
};

// `--cwd <dir>` as in the Pulumi CLI: where Pulumi.yaml and the stack files are (default: this checkout).
const { values, positionals } = parseArgs({ allowPositionals: true, options: { cwd: { type: "string" } } });
main(positionals[0] ?? "dev", values.cwd ? path.resolve(values.cwd) : PROJECT_ROOT).catch((err: Error) => exitAfter(process.stderr, `plan failed: ${err.message}\n`, 1));
