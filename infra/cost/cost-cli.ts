/**
 * npm run cost [-- <stack>]: the stack's cost estimate as JSON (for the PR comment), from the
 * same offline run as `npm run plan`. One stack per process: the program is imported once.
 */
import { readStackConfig, runOffline } from "../plan/offline-run";
import { estimateCost } from "./estimate";

const stack = process.argv[2] ?? "dev";

const main = async () => {
  const run = await runOffline(readStackConfig(stack), stack);
  return JSON.stringify(estimateCost(run.resources, stack), null, 2);
};

main().then(
  (json) => process.stdout.write(`${json}\n`, () => process.exit(0)),
  (err: Error & { file?: string }) => process.stderr.write(`cost estimate failed: ${err.message}${err.file ? ` (${err.file})` : ""}\n`, () => process.exit(1)),
);
