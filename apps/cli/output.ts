import { stringify } from "yaml";
import type { Job } from "../shared/api-client/client";
import type { AdmissionWarning, Problem } from "../shared/contract";

export const OUTPUTS = ["table", "wide", "json", "yaml", "name"] as const;
export type Output = (typeof OUTPUTS)[number];

export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

export const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  isTTY: Boolean(process.stderr.isTTY),
};

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

const table = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("   ")).join("\n");
};

const jobRow = (j: Job, wide: boolean) => {
  const row = [j.id, j.name ?? "-", j.status, j.target ?? "-", j.workload?.phase ?? "-", podsOf(j), age(j.createdAt)];
  return wide ? [...row, j.namespace, String(j.resources.length), (j.reason ?? j.workload?.reason ?? "").slice(0, 80) || "-"] : row;
};
const HEAD = ["ID", "NAME", "STATUS", "TARGET", "WORKLOAD", "PODS", "AGE"];
const WIDE_HEAD = [...HEAD, "NAMESPACE", "RESOURCES", "REASON"];

/** Jobs as the chosen output asks: a table (wide: more columns), JSON, YAML, or ids only. */
export const formatJobs = (jobs: Job[], output: Output, whole: unknown = jobs): string => {
  switch (output) {
    case "json":
      return JSON.stringify(whole, null, 2);
    case "yaml":
      return stringify(whole).trimEnd();
    case "name":
      return jobs.map((j) => j.id).join("\n");
    default: {
      const wide = output === "wide";
      return table([wide ? WIDE_HEAD : HEAD, ...jobs.map((j) => jobRow(j, wide))]);
    }
  }
};

/** One line per change: status, elapsed time, workload phase and pods. */
export const progressLine = (job: Job, startedAt: number, now = Date.now()): string => {
  const elapsed = `${((now - startedAt) / 1000).toFixed(1)}s`;
  const workload = job.workload ? `  workload ${job.workload.phase}  pods ${podsOf(job)}${job.workload.reason || job.workload.problems.length ? `  ${job.workload.reason ?? job.workload.problems[0]}` : ""}` : "";
  return `${job.id}  ${job.status.padEnd(19)}  ${elapsed.padStart(7)}${workload}`;
};
