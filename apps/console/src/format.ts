import type { JobStatus } from "./types";

/** Local date and time to the second, with the zone (`12/7/26, 4:50:01 PM UTC`): never ambiguous when shared. */
export const formatTime = (iso: string | undefined): string => {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { year: "2-digit", month: "numeric", day: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
};

/** `1h 2m 3s` between two times (to now while the job is still moving). */
export const formatDuration = (fromIso: string, toIso?: string): string => {
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return "—";
  const s = Math.round(ms / 1000);
  const parts = [Math.floor(s / 3600) && `${Math.floor(s / 3600)}h`, Math.floor((s % 3600) / 60) && `${Math.floor((s % 3600) / 60)}m`, `${s % 60}s`].filter(Boolean);
  return parts.length > 1 && parts.at(-1) === "0s" ? parts.slice(0, -1).join(" ") : parts.join(" ");
};

/** The estimated cost so far (`~` while pods still run); an estimate, not a bill. */
export const formatCost = (usage: { estimatedCostUsd: number; final: boolean } | undefined): string => (usage ? `${usage.final ? "" : "~"}$${usage.estimatedCostUsd.toFixed(4)}` : "—");

/** Statuses after which a job no longer moves by itself. */
export const SETTLED = ["DONE", "REJECTED", "FAILED", "ROLLED_BACK"];

/** Words for the status chips (the API's values stay visible in the chip's title). */
export const STATUS_LABEL: Record<JobStatus, string> = {
  PENDING: "Pending",
  APPLYING_IN_CLUSTER: "Applying",
  DONE: "Done",
  REJECTED: "Rejected",
  FAILED: "Failed",
  ROLLING_BACK: "Rolling back",
  ROLLED_BACK: "Rolled back",
};
