import { HOURS_PER_MONTH, type StackCost } from "./estimate";
import { dollars } from "./render-cost";

/** A stack's estimate on the PR's base and head; `base` is absent when the base has none. */
export interface CostPair {
  stack: string;
  base?: StackCost;
  head: StackCost;
}

const month = (hour: number) => hour * HOURS_PER_MONTH;
const delta = (from: number | undefined, to: number) => {
  if (from === undefined) return "new";
  const d = month(to) - month(from);
  return Math.abs(d) < 0.005 ? "±$0.00" : `${d > 0 ? "+" : "-"}${dollars(Math.abs(d))}`;
};
const cell = (hour: number | undefined) => (hour === undefined ? "—" : dollars(month(hour)));

/** Marks the comment so the workflow updates it instead of adding one per push. */
export const COMMENT_MARKER = "<!-- cost-estimate -->";

/**
 * The PR comment: per stack, the monthly floor and ceiling on the base branch and on the PR,
 * and the difference; the clusters whose figures changed; the head's warnings.
 */
export const renderCostDiff = (pairs: CostPair[]): string => {
  const out = [
    COMMENT_MARKER,
    "### Cost estimate (offline, USD per month of 730 h)",
    "",
    "| stack | floor: base → PR | Δ floor | ceiling: base → PR | Δ ceiling |",
    "|---|---|---|---|---|",
  ];
  for (const { stack, base, head } of pairs) {
    out.push(`| ${stack} | ${cell(base?.total.floorHour)} → ${cell(head.total.floorHour)} | ${delta(base?.total.floorHour, head.total.floorHour)} | ${cell(base?.total.ceilingHour)} → ${cell(head.total.ceilingHour)} | ${delta(base?.total.ceilingHour, head.total.ceilingHour)} |`);
  }
  const changes: string[] = [];
  for (const { stack, base, head } of pairs) {
    if (!base) continue;
    for (const c of head.clusters) {
      const b = base.clusters.find((x) => x.cluster === c.cluster);
      const sum = (lines: { floorHour: number; ceilingHour: number }[]) => lines.reduce((t, l) => [t[0]! + l.floorHour, t[1]! + l.ceilingHour], [0, 0]);
      const [hf, hc] = sum(c.lines);
      const [bf, bc] = b ? sum(b.lines) : [undefined, undefined];
      if (bf === undefined || Math.abs(month(hf! - bf)) >= 0.005 || Math.abs(month(hc! - bc!)) >= 0.005) {
        changes.push(`- ${stack}/${c.cluster}: floor ${delta(bf, hf!)}, ceiling ${delta(bc, hc!)} (nodes ${b ? `${b.nodes.floor}–${b.nodes.ceiling} → ` : ""}${c.nodes.floor}–${c.nodes.ceiling} ${c.machineType}${c.spot ? " spot" : ""})`);
      }
    }
  }
  if (changes.length) out.push("", "Changed clusters:", ...changes);
  if (pairs.some((p) => !p.base)) out.push("", "The base branch has no cost estimate for some stacks (marked —).");
  const warnings = pairs.flatMap((p) => p.head.warnings.map((w) => `- ${p.stack}: ${w}`));
  if (warnings.length) out.push("", "Warnings on this PR:", ...warnings);
  out.push("", `Prices: ${pairs[0]?.head.pricesAsOf ?? "?"} (infra/cost/prices.ts). Computed by \`npm run cost\` without the cloud; details: \`npm run plan\`.`);
  return out.join("\n");
};
