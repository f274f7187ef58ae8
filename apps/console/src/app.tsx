import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Job as JobView, JobStatus } from "./types";
import { countJobs, listJobs } from "./api";
import { explain } from "./api-error";
import { JobDetails } from "./components/JobDetails";
import { JobsTable } from "./components/JobsTable";
import { QueuePanel } from "./components/QueuePanel";
import { SubmitPanel } from "./components/SubmitPanel";
import { TokenBar } from "./components/TokenBar";
import { followEvents } from "./event-stream";
import { fresher } from "./fresher";
import { JOB_STATUSES } from "../../shared/contract/browser-safe";

const PAGE = 50;
const COUNTS_AFTER_MS = 300;

const newestFirst = (a: JobView, b: JobView) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);
const selectedFromHash = () => /^#\/jobs\/([0-9a-f-]{36})$/.exec(location.hash)?.[1];
/** The status filter lives in the URL (`?status=DONE`), so a view can be bookmarked or shared. */
const filterFromUrl = (): JobStatus | undefined => {
  const s = new URLSearchParams(location.search).get("status");
  return (JOB_STATUSES as readonly string[]).includes(s ?? "") ? (s as JobStatus) : undefined;
};
const filterToUrl = (status: JobStatus | undefined) => {
  const url = new URL(location.href);
  if (status) url.searchParams.set("status", status);
  else url.searchParams.delete("status");
  history.pushState(null, "", url);
};

/** The console: jobs table with live updates, a job's details, submission, token entry. */
export const App = () => {
  const [jobs, setJobs] = useState<Map<string, JobView>>(new Map());
  const [counts, setCounts] = useState<Partial<Record<JobStatus, number>>>({});
  const [filter, setFilter] = useState<JobStatus | undefined>(filterFromUrl());
  const [cursor, setCursor] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>(selectedFromHash());
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [session, setSession] = useState(0); // bumps when the token changes: reload everything
  // "Edit and run": a job's files, loaded into the submit panel (the nonce makes a second load of the same files count).
  const [preload, setPreload] = useState<{ files: { name: string; text: string }[]; nonce: number } | undefined>();
  const countsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refreshCounts = useCallback(() => {
    clearTimeout(countsTimer.current);
    countsTimer.current = setTimeout(() => countJobs().then((c) => setCounts(c.counts), () => undefined), COUNTS_AFTER_MS);
  }, []);

  const upsert = useCallback(
    (job: JobView) =>
      setJobs((prev) => {
        const next = new Map(prev);
        const newest = fresher(prev.get(job.id), job);
        if (filter && newest.status !== filter) next.delete(job.id);
        else next.set(job.id, newest);
        return next;
      }),
    [filter],
  );

  // Live updates for all of the tenant's jobs; started before the first page so nothing falls between.
  useEffect(() => {
    const stream = followEvents("/events?lastEventId=%24", {
      onOpen: () => (setLive(true), setError(null)),
      onEvent: (e) => {
        if (e.type === "status") {
          upsert(e.job);
          refreshCounts();
        } else if (e.type === "workload") {
          setJobs((prev) => {
            const j = prev.get(e.jobId);
            return j ? new Map(prev).set(j.id, { ...j, workload: e.workload }) : prev;
          });
        }
      },
      onError: (err) => (setLive(false), setError(explain(err))),
    });
    return () => stream.stop();
  }, [session, upsert]);

  useEffect(() => {
    setJobs(new Map());
    listJobs({ status: filter, limit: PAGE }).then(
      (page) => {
        // Stream events may have arrived while the page loaded: keep whichever is newer.
        setJobs((prev) => new Map(page.items.map((j) => [j.id, fresher(prev.get(j.id), j)])));
        setCursor(page.nextCursor);
      },
      (err: unknown) => setError(explain(err)),
    );
    countJobs().then((c) => setCounts(c.counts), () => undefined);
  }, [filter, session]);

  useEffect(() => {
    const onHash = () => setSelected(selectedFromHash());
    const onPop = () => (setFilter(filterFromUrl()), setSelected(selectedFromHash()));
    addEventListener("hashchange", onHash);
    addEventListener("popstate", onPop);
    return () => (removeEventListener("hashchange", onHash), removeEventListener("popstate", onPop));
  }, []);

  const chooseFilter = (status: JobStatus | undefined) => {
    filterToUrl(status);
    setFilter(status);
  };

  const select = (id: string | undefined) => {
    location.hash = id ? `#/jobs/${id}` : "";
    setSelected(id);
  };

  const more = () =>
    cursor &&
    listJobs({ status: filter, limit: PAGE, cursor }).then((page) => {
      setJobs((prev) => new Map([...prev, ...page.items.map((j) => [j.id, j] as const)]));
      setCursor(page.nextCursor);
    }, (err: unknown) => setError(explain(err)));

  return (
    <>
      <header class="top">
        <h1>Jobs</h1>
        <span class={live ? "live on" : "live"} role="status">
          {live ? "Live" : "Not live"}
        </span>
        <TokenBar onChange={() => setSession((s) => s + 1)} />
      </header>
      {error && (
        <div class="banner" role="alert">
          {error}{" "}
          <button type="button" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <main class={selected ? "with-details" : ""}>
        <div class="left">
          <SubmitPanel onSubmitted={(id) => select(id)} onError={setError} preload={preload} />
          <QueuePanel />
          <JobsTable jobs={[...jobs.values()].sort(newestFirst)} counts={counts} filter={filter} onFilter={chooseFilter} selected={selected} onSelect={select} onMore={cursor ? () => void more() : undefined} />
        </div>
        {selected && (
          <JobDetails
            key={selected}
            jobId={selected}
            onClose={() => select(undefined)}
            onError={setError}
            onChanged={upsert}
            onResubmitted={(job) => (upsert(job), select(job.id))}
            onEdit={(files) => setPreload((p) => ({ files, nonce: (p?.nonce ?? 0) + 1 }))}
          />
        )}
      </main>
    </>
  );
};
