import type { JobStatus } from "./types";

/** Local date and time to the second: what a person compares at a glance. */
export const formatTime = (iso: string | undefined): string => {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
};

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
