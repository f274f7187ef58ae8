/**
 * npm run cost [-- <stack>]: the stack's cost estimate as JSON (for the PR comment), from the
 * same offline run as `npm run plan`. One stack per process: the program is imported once.
 */
import { readStackConfig, runOffline } from "../plan/offline-run";
import { estimateCost } from "./estimate";

const stack = process.argv[2] ?? "dev";

runOffline(readStackConfig(stack), stack).then(
  (run) => process.stdout.write(`${JSON.stringify(estimateCost(run.resources, stack), null, 2)}\n`, () => process.exit(0)),
  (err: Error) => {
    console.error(`cost estimate failed: ${err.message}`);
    process.exit(1);
  },
);
