import type { Job as JobView } from "./types";

/**
 * Of two views of one job, the newer: answers and stream events can arrive out of order (a
 * GET sent before a status change may answer after its event), and a job only moves forward.
 */
export const fresher = (a: JobView | undefined | null, b: JobView): JobView => {
  if (!a) return b;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? a : b;
  return b.history.length >= a.history.length ? b : a;
};
