import { JOB_STATUSES } from "../../../shared/contract/browser-safe";
import type { Job as JobView, JobStatus } from "../types";
import { SETTLED, STATUS_LABEL, formatCost, formatDuration, formatTime } from "../format";
import { StatusChip } from "./StatusChip";

export interface JobsTableProps {
  jobs: JobView[];
  counts: Partial<Record<JobStatus, number>>;
  filter: JobStatus | undefined;
  onFilter(status: JobStatus | undefined): void;
  selected: string | undefined;
  onSelect(id: string): void;
  onMore?: () => void;
}

/** Newest first; counts per status double as the filter; each row opens the job's details. */
export const JobsTable = ({ jobs, counts, filter, onFilter, selected, onSelect, onMore }: JobsTableProps) => (
  <section class="jobs" aria-labelledby="jobs-title">
    <h2 id="jobs-title">Jobs</h2>
    <div class="filters" role="group" aria-label="Filter by status">
      <button type="button" aria-pressed={filter === undefined} onClick={() => onFilter(undefined)}>
        All
      </button>
      {JOB_STATUSES.map((s) => (
        <button type="button" key={s} aria-pressed={filter === s} onClick={() => onFilter(s)} data-filter={s}>
          {STATUS_LABEL[s]} <span class="count" data-count={s}>{counts[s] ?? 0}</span>
        </button>
      ))}
    </div>
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Jobs table (scrolls sideways on narrow screens)">
    <table>
      <caption class="visually-hidden">Your jobs, newest first{filter ? `, ${STATUS_LABEL[filter]} only` : ""}</caption>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
          <th scope="col">Duration</th>
          <th scope="col">Workload</th>
          <th scope="col">Cost</th>
        </tr>
      </thead>
      <tbody>
        {jobs.length === 0 && (
          <tr>
            <td colSpan={6} class="empty">
              No jobs{filter ? ` with status ${STATUS_LABEL[filter]}` : " yet: submit one below"}.
            </td>
          </tr>
        )}
        {jobs.map((j) => (
          <tr key={j.id} data-job={j.id} aria-selected={j.id === selected} class={j.id === selected ? "selected" : ""}>
            <td>
              <a href={`#/jobs/${j.id}`} onClick={(e) => (e.preventDefault(), onSelect(j.id))}>
                {nameOf(j) ? <span class="name">{nameOf(j)}</span> : null} <span class="mono">{j.id.slice(0, 8)}</span>
              </a>
            </td>
            <td>
              <StatusChip status={j.status} />
              {j.reason && (j.status === "REJECTED" || j.status === "FAILED") && <div class="reason-cell" title={j.reason}>{j.reason}</div>}
            </td>
            <td>
              <time dateTime={j.createdAt}>{formatTime(j.createdAt)}</time>
            </td>
            <td class="num">{formatDuration(j.createdAt, SETTLED.includes(j.status) ? j.updatedAt : undefined)}</td>
            <td title={j.workload?.reason}>
              {j.workload ? `${j.workload.phase} (${j.workload.pods.running}/${podTotal(j)} running)` : "—"}
              {j.workload?.reason && <span class="muted workload-reason"> {j.workload.reason.length > 60 ? `${j.workload.reason.slice(0, 59)}…` : j.workload.reason}</span>}
            </td>
            <td class="num">{formatCost(j.usage)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
    {onMore && (
      <button type="button" class="more" onClick={onMore}>
        Load older jobs
      </button>
    )}
  </section>
);

/** A job's name, once the API gives jobs one (the job-lifecycle issue adds it); absent today. */
const nameOf = (j: JobView): string | undefined => {
  const name = (j as { name?: unknown }).name;
  return typeof name === "string" && name ? name : undefined;
};

const podTotal = (j: JobView): number => {
  const p = j.workload?.pods;
  return p ? p.pending + p.running + p.succeeded + p.failed : 0;
};
