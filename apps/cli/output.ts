import { stringify } from "yaml";
import type { Job } from "../shared/api-client/client";
import type { AdmissionWarning, Problem } from "../shared/contract";
import { jsonPath } from "./jsonpath";

export const OUTPUTS = ["table", "wide", "json", "yaml", "name"] as const;
/** One of OUTPUTS, or `jsonpath=TEMPLATE` (jsonpath.ts). */
export type Output = (typeof OUTPUTS)[number] | `jsonpath=${string}`;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  /** Width tables fit into: the terminal's, or COLUMNS; none when stdout is a file or pipe without COLUMNS. */
  columns?: number;
}

const columnsOf = (): number | undefined => {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
};

export const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  isTTY: Boolean(process.stderr.isTTY),
  ...(columnsOf() ? { columns: columnsOf()! } : {}),
};

/** How tables are drawn: without the header line, and into a width. */
export interface TableOptions {
  noHeaders?: boolean;
  columns?: number;
}

/** `file:line: Kind/name: path: message [rule]`, leaving out what a problem does not have. */
export const formatProblem = (p: Problem | AdmissionWarning): string => {
  const where = [p.file ?? "", "line" in p && p.line ? String(p.line) : "document" in p && p.document ? `doc ${p.document}` : ""].filter(Boolean).join(":");
  return [where, p.object, p.path, `${p.message}${"rule" in p && p.rule ? ` [${p.rule}]` : ""}`].filter(Boolean).join(": ");
};

const age = (iso: string, now = Date.now()) => {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
};

export const podsOf = (job: Pick<Job, "workload">): string => {
  const p = job.workload?.pods;
  if (!p) return "-";
  const total = p.pending + p.running + p.succeeded + p.failed;
  return `${p.running + p.succeeded}/${total}`;
};

const GAP = 3;
/** Narrowest a shrunk column gets. */
const MIN_COLUMN = 5;

/**
 * Rows as aligned columns. With `columns`, a table wider than that is fitted: the widest
 * column is narrowed first, step by step (its cells, headers too, cut with "…"), never the
 * first (the id a user copies) nor below MIN_COLUMN; a table that cannot fit even then is
 * printed at its narrowest.
 */
export const table = (rows: string[][], opts: TableOptions = {}): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  let total = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  while (opts.columns && total > opts.columns) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if (widths[i]! > MIN_COLUMN && (widest === 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest === 0) break;
    widths[widest]!--;
    total--;
  }
  const cell = (c: string, i: number) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c);
  const shown = opts.noHeaders ? rows.slice(1) : rows;
  return shown.map((r) => r.map((c, i) => (i === r.length - 1 ? cell(c, i) : cell(c, i).padEnd(widths[i]!))).join(" ".repeat(GAP))).join("\n");
};

const jobRow = (j: Job, wide: boolean) => {
  const row = [j.id, j.name ?? "-", j.status, j.target ?? "-", j.workload?.phase ?? "-", podsOf(j), age(j.createdAt)];
  return wide ? [...row, j.namespace, String(j.resources.length), costOf(j), (j.reason ?? j.workload?.reason ?? "").slice(0, 80) || "-"] : row;
};
const HEAD = ["ID", "NAME", "STATUS", "TARGET", "WORKLOAD", "PODS", "AGE"];
const WIDE_HEAD = [...HEAD, "NAMESPACE", "RESOURCES", "COST", "REASON"];

/** The estimated cost so far, `~` while pods still run. */
export const costOf = (j: Pick<Job, "usage">): string => (j.usage ? `${j.usage.final ? "" : "~"}$${j.usage.estimatedCostUsd.toFixed(4)}` : "-");

/** A value as JSON, YAML or a JSONPath template's result, when the output asks for one of those; undefined for tables and names. */
export const formatStructured = (value: unknown, output: Output): string | undefined => {
  if (output.startsWith("jsonpath=")) return jsonPath(output.slice("jsonpath=".length), value);
  if (output === "json") return JSON.stringify(value, null, 2);
  if (output === "yaml") return stringify(value).trimEnd();
  return undefined;
};

/** Jobs as the chosen output asks: a table (wide: more columns), JSON, YAML, a JSONPath template, or ids only. */
export const formatJobs = (jobs: Job[], output: Output, whole: unknown = jobs, opts: TableOptions = {}): string => {
  const structured = formatStructured(whole, output);
  if (structured !== undefined) return structured;
  switch (output) {
    case "name":
      return jobs.map((j) => j.id).join("\n");
    default: {
      const wide = output === "wide";
      return table([wide ? WIDE_HEAD : HEAD, ...jobs.map((j) => jobRow(j, wide))], opts);
    }
  }
};

/** One line per change: status, elapsed time, workload phase and pods. */
export const progressLine = (job: Job, startedAt: number, now = Date.now()): string => {
  const elapsed = `${((now - startedAt) / 1000).toFixed(1)}s`;
  const workload = job.workload ? `  workload ${job.workload.phase}  pods ${podsOf(job)}${job.workload.reason || job.workload.problems.length ? `  ${job.workload.reason ?? job.workload.problems[0]}` : ""}` : "";
  return `${job.id}  ${job.status.padEnd(19)}  ${elapsed.padStart(7)}${workload}`;
};

/** A time in the local zone, with its offset, to the second: `2026-12-07 16:50:01 +01:00`. */
export const formatTime = (iso: string): string => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? "-" : "+"}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`;
};

/** `1h2m3s` from milliseconds. */
export const formatDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [h ? `${h}h` : "", m ? `${m}m` : "", `${s % 60}s`].join("").replace(/^(.+?)0s$/, "$1");
};

const hours = (seconds: number, unit: string) => `${(seconds / 3600).toFixed(3)} ${unit}`;

/** `cpctl describe`: everything about one job, as `kubectl describe` lays it out. */
export const describeJob = (j: Job, now = Date.now()): string => {
  const out: string[] = [];
  const field = (name: string, value: string) => out.push(`${`${name}:`.padEnd(12)}${value}`);
  field("ID", j.id);
  field("Status", j.status);
  if (j.reason) field("Reason", j.reason);
  field("Target", j.target ?? "-");
  field("Namespace", j.namespace);
  field("Created", formatTime(j.createdAt));
  const end = ["DONE", "REJECTED", "FAILED", "ROLLED_BACK"].includes(j.status) ? Date.parse(j.updatedAt) : now;
  field("Duration", formatDuration(end - Date.parse(j.createdAt)));
  if (j.workload) {
    field("Workload", `${j.workload.phase}, pods ${podsOf(j)} (running ${j.workload.pods.running}, pending ${j.workload.pods.pending}, succeeded ${j.workload.pods.succeeded}, failed ${j.workload.pods.failed})`);
    for (const p of j.workload.problems) out.push(`  ${p}`);
  }
  if (j.usage) {
    const u = j.usage;
    field("Usage", `${hours(u.cpuCoreSeconds, "core-h")}, ${hours(u.memoryGiBSeconds, "GiB-h")}${u.gpuSeconds ? `, ${hours(u.gpuSeconds, "GPU-h")}` : ""} over ${u.pods} pod(s)${u.final ? "" : `, ${u.runningPods} still running`}`);
    field("Cost", `${costOf(j)} (an estimate, not a bill; docs/cost.md)`);
  }
  if (j.problems?.length) {
    out.push("Problems:");
    for (const p of j.problems) out.push(`  ${formatProblem(p)}`);
  }
  if (j.warnings?.length) {
    out.push(`Defaults applied (${j.warnings.length}):`);
    for (const w of j.warnings) out.push(`  ${formatProblem(w)}`);
  }
  if (j.resources.length) {
    out.push("Resources:");
    for (const r of j.resources) out.push(`  ${r.kind}/${r.name}`);
  }
  out.push("Timeline:");
  let prev: number | undefined;
  for (const h of j.history) {
    const at = Date.parse(h.at);
    out.push(`  ${formatTime(h.at)}  ${h.status.padEnd(19)}${prev === undefined ? "" : `  +${formatDuration(at - prev)}`}`);
    prev = at;
  }
  return out.join("\n");
};

export interface UsageReportView {
  tenant: string;
  from: string;
  to: string;
  totals: { cpuCoreSeconds: number; memoryGiBSeconds: number; gpuSeconds: number; estimatedCostUsd: number };
  jobs: { jobId: string; cpuCoreSeconds: number; memoryGiBSeconds: number; gpuSeconds: number; estimatedCostUsd: number }[];
  truncated: boolean;
}

/** `cpctl usage`: the period's totals, then its most expensive jobs as a table. */
export const formatUsage = (r: UsageReportView, opts: TableOptions = {}): string => {
  const t = r.totals;
  const head = [
    `Tenant ${r.tenant}, ${formatTime(r.from)} to ${formatTime(r.to)}`,
    `Total: ${hours(t.cpuCoreSeconds, "core-h")}, ${hours(t.memoryGiBSeconds, "GiB-h")}, ${hours(t.gpuSeconds, "GPU-h")}, estimated $${t.estimatedCostUsd.toFixed(4)}${r.truncated ? " (not every job counted: see docs/cost.md)" : ""}`,
  ];
  if (r.jobs.length === 0) return [...head, "No job used resources in this period."].join("\n");
  const rows = [["JOB", "CORE-H", "GIB-H", "GPU-H", "COST"], ...r.jobs.map((j) => [j.jobId, (j.cpuCoreSeconds / 3600).toFixed(3), (j.memoryGiBSeconds / 3600).toFixed(3), (j.gpuSeconds / 3600).toFixed(3), `$${j.estimatedCostUsd.toFixed(4)}`])];
  return [...(opts.noHeaders ? [] : [...head, ""]), table(rows, opts)].join("\n");
};
