import { stringify } from "yaml";
import type { QueueView } from "../shared/contract";
import type { Output } from "./output";

const pad = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
};

/** `cpctl queue`: the tenant's queue as one line of counts and a table per flavor and resource. */
export const formatQueue = (q: QueueView, output: Output): string => {
  if (output === "json") return JSON.stringify(q, null, 2);
  if (output === "yaml") return stringify(q).trimEnd();
  if (output === "name") return q.clusterQueue;
  const head = `${q.clusterQueue}${q.cohort ? ` (cohort ${q.cohort})` : ""}: ${q.pendingWorkloads} pending, ${q.admittedWorkloads} admitted${q.active ? "" : `; NOT ACTIVE: ${q.activeMessage ?? "Kueue cannot admit from it"}`}`;
  const rows = [["FLAVOR", "RESOURCE", "QUOTA", "USED", "BORROWED", "COHORT IDLE"]];
  for (const f of q.flavors) for (const [r, a] of Object.entries(f.resources)) rows.push([f.name, r, a.nominal, a.used, a.borrowed, a.cohortIdle]);
  return `${head}\n${pad(rows)}`;
};
