/**
 * npm run plan [-- <stack>]: what `pulumi preview` would create for a stack, without the
 * Pulumi CLI or a cloud (the real program under Pulumi's mock runtime), and how long the
 * program took to run.
 */
import { readStackConfig, runOffline } from "./offline-run";
import { renderTree } from "./render-tree";

const stack = process.argv[2] ?? "dev";

runOffline(readStackConfig(stack), stack).then(
  (run) => {
    const counts = new Map<string, number>();
    for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const lines = [`Plan for stack "${stack}" (offline, Pulumi mocks)`, "", renderTree(run.resources), "", `Resources: ${run.resources.length} to create`];
    for (const [type, n] of [...counts].sort()) lines.push(`  ${String(n).padStart(3)}  ${type}`);
    lines.push("", `Program ran in ${run.milliseconds.toFixed(0)} ms`, "");
    // Exit only once the (possibly piped) output is written: the mock runtime keeps handles open.
    process.stdout.write(lines.join("\n"), () => process.exit(0));
  },
  (err: Error) => {
    console.error(`plan failed: ${err.message}`);
    process.exit(1);
  },
);
