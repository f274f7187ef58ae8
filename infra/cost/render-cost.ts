import { HOURS_PER_MONTH, type CostLine, type StackCost } from "./estimate";

const usd = (n: number, digits = 2) => `${n < 0 ? "-" : ""}$${Math.abs(n).toFixed(digits)}`;
/** `$1,234.56` */
export const dollars = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const monthly = (hour: number) => hour * HOURS_PER_MONTH;

const WIDTH = 92;
const row = (item: string, fh: string, fm: string, ch: string, cm: string) =>
  `${item.length > WIDTH ? `${item.slice(0, WIDTH - 3)}...` : item.padEnd(WIDTH)} ${fh.padStart(9)} ${fm.padStart(11)} ${ch.padStart(9)} ${cm.padStart(11)}`;
const line = (l: CostLine, indent = "  ") => row(`${indent}${l.item}`, usd(l.floorHour, 4), dollars(monthly(l.floorHour)), usd(l.ceilingHour, 4), dollars(monthly(l.ceilingHour)));
const subtotal = (label: string, lines: CostLine[]) => {
  const f = lines.reduce((t, l) => t + l.floorHour, 0);
  const c = lines.reduce((t, l) => t + l.ceilingHour, 0);
  return row(label, usd(f, 4), dollars(monthly(f)), usd(c, 4), dollars(monthly(c)));
};

/** The line CI and people look for, in one fixed form. */
export const totalLine = (cost: StackCost) => `total: ${dollars(monthly(cost.total.floorHour))}/month floor, ${dollars(monthly(cost.total.ceilingHour))}/month ceiling`;

/** The cost table the plan prints: per cluster, shared items, total, then warnings. */
export const renderCost = (cost: StackCost): string => {
  const out = [
    `Cost of stack "${cost.stack}" in ${cost.region} (USD; month = ${HOURS_PER_MONTH} h; prices: ${cost.pricesAsOf}, see infra/cost/prices.ts)`,
    "floor = minimum nodes, no jobs running; ceiling = every node pool at its maximum",
    "",
    row("", "floor/h", "floor/month", "ceil/h", "ceil/month"),
  ];
  for (const c of cost.clusters) {
    out.push(subtotal(`${c.cluster} (nodes: preset min ${c.nodes.presetMin}, platform pods need ${c.nodes.needed}, max ${c.nodes.presetMax})`, c.lines));
    for (const l of c.lines) out.push(line(l));
  }
  if (cost.shared.length) {
    out.push(subtotal("shared (per project)", cost.shared));
    for (const l of cost.shared) out.push(line(l));
  }
  out.push(row("TOTAL", usd(cost.total.floorHour, 4), dollars(monthly(cost.total.floorHour)), usd(cost.total.ceilingHour, 4), dollars(monthly(cost.total.ceilingHour))));
  out.push("", totalLine(cost));
  for (const w of cost.warnings) out.push(`warning: ${w}`);
  for (const u of cost.uncheckedPrices) out.push(`price not checked against a source: ${u}`);
  for (const a of cost.assumptions) out.push(`assumed: ${a}`);
  return out.join("\n");
};
