import type { JobStatus } from "../types";
import { STATUS_LABEL } from "../format";

/** A job's status as a coloured chip; colour is never the only signal (the word is there). */
export const StatusChip = ({ status }: { status: JobStatus }) => (
  <span class={`chip chip-${status.toLowerCase()}`} title={status} data-status={status}>
    {STATUS_LABEL[status]}
  </span>
);
