/**
 * tsx infra/cost/cost-diff-cli.ts <base-dir> <head-dir> <stack>...: reads `<dir>/<stack>.json`
 * (written by `npm run cost`) and prints the PR comment in Markdown. A stack missing on the
 * base (a branch before the estimate existed) is shown as new; one missing on the head fails.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { StackCost } from "./estimate";
import { renderCostDiff } from "./cost-diff";

const [baseDir, headDir, ...stacks] = process.argv.slice(2);
if (!baseDir || !headDir || stacks.length === 0) {
  console.error("usage: cost-diff-cli <base-dir> <head-dir> <stack>...");
  process.exit(2);
}
const read = (dir: string, stack: string): StackCost | undefined => {
  const file = path.join(dir, `${stack}.json`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8").trim();
  return text ? (JSON.parse(text) as StackCost) : undefined;
};
const pairs = stacks.map((stack) => {
  const head = read(headDir, stack);
  if (!head) {
    console.error(`no cost estimate for stack ${stack} in ${headDir}`);
    process.exit(1);
  }
  return { stack, base: read(baseDir, stack), head };
});
process.stdout.write(`${renderCostDiff(pairs)}\n`);
