/**
 * tsx infra/plan/reachability/cli.ts [<stack>]: only the reachability matrix of `npm run plan`,
 * as a Markdown block (the PR preview workflow posts it). Exits 1 when the computed matrix
 * differs from the contract's intended one.
 */
import { INTENDED_REACHABILITY } from "../../../apps/shared/contract";
import { loadLikeTheCli } from "../pulumi-loader";
import { runOffline } from "../offline-run";
import { differences, reachabilityOf, renderMatrix } from "./index";

const stack = process.argv[2] ?? "dev";
runOffline(loadLikeTheCli(stack).config, stack)
  .then((run) => {
    const m = reachabilityOf(run);
    const diff = differences(m, INTENDED_REACHABILITY);
    const text = [`### Reachability of stack \`${stack}\``, "", "```", renderMatrix(m), "```", "", diff.length ? `**Differs from the contract's intended matrix:**\n\n${diff.map((d) => `- ${d}`).join("\n")}` : "Matches the contract's intended matrix (apps/shared/contract/reachability.ts).", ""].join("\n");
    process.stdout.write(text, () => process.exit(diff.length ? 1 : 0));
  })
  .catch((err: Error) => process.stderr.write(`reachability failed: ${err.message}\n`, () => process.exit(1)));
