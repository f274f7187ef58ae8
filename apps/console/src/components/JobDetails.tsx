import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Job as JobView, Manifests as ManifestsView } from "../types";
import { deleteJob, getJob, getManifests, resubmitJob } from "../api";
import { explain } from "../api-error";
import { followEvents } from "../event-stream";
import { SETTLED, formatCost, formatDuration, formatTime } from "../format";
import { fresher } from "../fresher";
import { LogsPanel } from "./LogsPanel";
import { ManifestDiff } from "./ManifestDiff";
import { ProblemList } from "./ProblemList";
import { StatusChip } from "./StatusChip";

type Tab = "overview" | "manifests" | "logs";
const TABS: { id: Tab; label: string }[] = [
  { id: "overview", label: "Overview" },
  { id: "manifests", label: "Manifests" },
  { id: "logs", label: "Logs" },
];

/** One job: timeline, problems and warnings, resources, workload, manifests, logs, delete. */
export const JobDetails = ({
  jobId,
  onClose,
  onError,
  onChanged,
  onResubmitted,
  onEdit,
}: {
  jobId: string;
  onClose(): void;
  onError(message: string): void;
  onChanged(job: JobView): void;
  /** "Run again" made this new job. */
  onResubmitted?(job: JobView): void;
  /** "Edit and run": put these files into the submit panel. */
  onEdit?(files: { name: string; text: string }[]): void;
}) => {
  const [job, setJob] = useState<JobView | null>(null);
  const [manifests, setManifests] = useState<ManifestsView | null>(null);
  const [tab, setTab] = useState<Tab>("overview");
  const [deleting, setDeleting] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const confirmRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  // Focus follows the confirmation: onto "Yes, delete" when it opens, back to "Delete job" when it closes.
  useLayoutEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (wasConfirming.current) deleteRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);
  /** WAI-ARIA tabs: arrows move between tabs (and select them), Home/End go to the first/last. */
  const onTabKey = (e: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const t = TABS[(next + TABS.length) % TABS.length]!;
    setTab(t.id);
    tabRefs.current[t.id]?.focus();
  };
  const [rerunning, setRerunning] = useState(false);
  // The server ends a job's stream once nothing more can happen by itself; a DELETE changes
  // that, so deleting starts a new watch (see streamIsOver in the contract).
  const [watch, setWatch] = useState(0);
  const update = (next: JobView) => setJob((prev) => fresher(prev, next));

  useEffect(() => {
    getJob(jobId).then(update, (err: unknown) => onError(explain(err)));
    // The job's own stream: every status change carries the whole job.
    const stream = followEvents(`/jobs/${encodeURIComponent(jobId)}/events`, {
      onEvent: (e) => {
        if (e.type === "status") {
          update(e.job);
          onChanged(e.job);
        } else if (e.type === "workload") setJob((j) => (j ? { ...j, workload: e.workload } : j));
      },
      onError: (err) => onError(explain(err)),
    });
    return () => stream.stop();
  }, [jobId, watch]);

  // Manifests change when admission has run (applied objects) and when the job settles.
  useEffect(() => {
    if (job) getManifests(jobId).then(setManifests, () => setManifests(null));
  }, [jobId, job?.status]);

  if (!job) return <section class="details" aria-busy="true" aria-label="Job details">Loading job {jobId}…</section>;
  const canDelete = !["ROLLING_BACK", "ROLLED_BACK"].includes(job.status);

  return (
    <section class="details" aria-labelledby="details-title">
      <header>
        <h2 id="details-title">
          Job <span class="mono">{job.id}</span> {job.name && <span class="job-name">{job.name}</span>} <StatusChip status={job.status} />
        </h2>
        <div class="actions">
          {!confirming ? (
            <button type="button" class="danger" ref={deleteRef} disabled={!canDelete || deleting} onClick={() => setConfirming(true)}>
              Delete job
            </button>
          ) : (
            // An inline confirmation (not window.confirm): focus goes to it, Escape or Cancel leaves.
            <div class="confirm" role="group" aria-label="Confirm deletion" onKeyDown={(e) => e.key === "Escape" && setConfirming(false)}>
              <span id="confirm-text">Delete this job? Everything it created in the cluster is removed.</span>
              <button
                type="button"
                class="danger"
                ref={confirmRef}
                aria-describedby="confirm-text"
                onClick={() => {
                  setConfirming(false);
                  setDeleting(true);
                  deleteJob(job.id).then(
                    (j) => (update(j), onChanged(j), setWatch((w) => w + 1)),
                    (err: unknown) => onError(explain(err)),
                  ).finally(() => setDeleting(false));
                }}
              >
                Yes, delete
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          )}
          <button
            type="button"
            disabled={rerunning}
            onClick={() => {
              setRerunning(true);
              resubmitJob(job.id).then(
                (j) => onResubmitted?.(j),
                (err: unknown) => onError(explain(err)),
              ).finally(() => setRerunning(false));
            }}
          >
            Run again
          </button>
          <button type="button" disabled={!manifests || manifests.submitted.length === 0} onClick={() => manifests && onEdit?.(manifests.submitted)}>
            Edit and run
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </header>
      <div role="tablist" aria-label="Job details" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            type="button"
            role="tab"
            key={t.id}
            id={`tab-${t.id}`}
            ref={(el) => void (tabRefs.current[t.id] = el)}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} tabIndex={0}>
        {tab === "overview" && <Overview job={job} manifests={manifests} />}
        {tab === "manifests" && (manifests ? <ManifestDiff manifests={manifests} /> : <p>Loading manifests…</p>)}
        {tab === "logs" && <LogsPanel jobId={job.id} />}
      </div>
    </section>
  );
};

const Overview = ({ job, manifests }: { job: JobView; manifests: ManifestsView | null }) => (
  <div class="overview">
    <h3>Timeline</h3>
    <ol class="timeline" aria-label="Status timeline">
      {job.history.map((h) => (
        <li key={h.status} data-status={h.status}>
          <StatusChip status={h.status} /> <time dateTime={h.at}>{formatTime(h.at)}</time>
        </li>
      ))}
    </ol>
    {job.reason && (
      <p class="reason">
        <strong>Reason:</strong> {job.reason}
      </p>
    )}
    <p class="facts">
      <span>
        <strong>Duration:</strong> {formatDuration(job.createdAt, SETTLED.includes(job.status) ? job.updatedAt : undefined)}
      </span>{" "}
      <span>
        <strong>Estimated cost:</strong> {formatCost(job.usage)}
      </span>
    </p>
    {job.labels && Object.keys(job.labels).length > 0 && (
      <p class="labels">
        <strong>Labels:</strong>{" "}
        {Object.entries(job.labels).map(([k, v]) => (
          <code key={k}>{`${k}=${v}`}</code>
        ))}
      </p>
    )}
    {job.resubmittedFrom && (
      <p class="muted">
        Runs again what <a href={`#/jobs/${job.resubmittedFrom}`}>{job.resubmittedFrom.slice(0, 8)}</a> ran.
      </p>
    )}
    <ProblemList title={(job.problems?.length ?? 0) + (manifests?.warnings.length ?? 0) > 0 ? "Admission" : undefined} problems={job.problems ?? []} warnings={manifests?.warnings ?? []} />
    <h3>Workload</h3>
    {job.workload ? (
      <p class="workload">
        {job.workload.phase}: {job.workload.pods.running} running, {job.workload.pods.pending} pending, {job.workload.pods.succeeded} succeeded, {job.workload.pods.failed} failed
        {job.workload.queue && (
          <span class="queued">
            {" "}
            (queued: {job.workload.queue.reason}
            {job.workload.queue.position !== undefined ? `, position ${job.workload.queue.position + 1}` : ""}
            {job.workload.queue.message ? ` - ${job.workload.queue.message}` : ""})
          </span>
        )}
        {job.workload.problems.length > 0 && <ul>{job.workload.problems.map((p, i) => <li key={i}>{p}</li>)}</ul>}
      </p>
    ) : null}
    {job.workload ? <WorkloadOutcome workload={job.workload} /> : (
      <p class="workload">{noWorkload(job)}</p>
    )}
    <h3>Resources ({job.resources.length})</h3>
    <ul class="resources">
      {job.resources.map((r) => (
        <li key={`${r.kind}/${r.name}`} class="mono">
          {r.kind}/{r.name} <span class="muted">{r.apiVersion}{r.namespace ? ` in ${r.namespace}` : ""}</span>
        </li>
      ))}
    </ul>
  </div>
);

/** Why the workload ended or is stuck: the reason, each container's end, restarts, reclaimed pods, times. */
const WorkloadOutcome = ({ workload: w }: { workload: NonNullable<JobView["workload"]> }) => (
  <div class="workload-outcome">
    {w.reason && (
      <p class="reason">
        <strong>{w.phase === "Failed" ? "Why it failed" : "Why it waits"}:</strong> {w.reason}
      </p>
    )}
    {(w.startedAt || w.finishedAt || w.restarts || w.reclaimed) && (
      <p class="muted">
        {w.startedAt && `Started ${formatTime(w.startedAt)}. `}
        {w.finishedAt && `Finished ${formatTime(w.finishedAt)}. `}
        {w.restarts ? `${w.restarts} container restart(s). ` : ""}
        {w.reclaimed ? `${w.reclaimed} pod(s) lost to spot reclaim or preemption (not failures).` : ""}
      </p>
    )}
    {w.containers && w.containers.length > 0 && (
      <table class="containers">
        <thead>
          <tr>
            <th scope="col">Pod</th>
            <th scope="col">Container</th>
            <th scope="col">Exit code</th>
            <th scope="col">Reason</th>
            <th scope="col">Restarts</th>
          </tr>
        </thead>
        <tbody>
          {w.containers.map((c) => (
            <tr key={`${c.pod}/${c.container}`}>
              <td class="mono">{c.pod}</td>
              <td class="mono">{c.container}</td>
              <td class="num">{c.exitCode ?? "—"}</td>
              <td>{c.reason ?? "—"}</td>
              <td class="num">{c.restarts}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </div>
);

const noWorkload = (job: JobView): string => {
  if (job.status === "REJECTED") return "Rejected by admission: nothing was applied.";
  if (job.status === "FAILED") return "Failed before anything ran in the cluster.";
  if (job.target === "dry-run") return "Dry-run target: nothing runs, so there is no workload.";
  return job.status === "DONE" ? "No workload reported yet." : "Not applied yet.";
};
