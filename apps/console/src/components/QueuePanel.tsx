import { useState } from "preact/hooks";
import { getQueue, type QueueView } from "../api";
import { explain } from "../api-error";

/**
 * Your queue, read when opened (what `cpctl queue` shows): counts, then quota, use and borrowing
 * per pool and resource. Without a cluster (the dry-run target) the API says there is none.
 */
export const QueuePanel = () => {
  const [queue, setQueue] = useState<QueueView | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = () =>
    getQueue()
      .then((q) => (setQueue(q), setNote(null)))
      .catch((e: unknown) => (setQueue(null), setNote(explain(e))));
  return (
    <details class="queue" onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && void load()}>
      <summary>Your queue</summary>
      {note && <p>{note}</p>}
      {queue && (
        <>
          <p>
            {queue.clusterQueue}: {queue.pendingWorkloads} pending, {queue.admittedWorkloads} admitted{queue.active ? "" : ` (not active: ${queue.activeMessage ?? ""})`}
          </p>
          <table>
            <thead>
              <tr><th scope="col">Pool</th><th scope="col">Resource</th><th scope="col">Quota</th><th scope="col">Used</th><th scope="col">Borrowed</th><th scope="col">Cohort idle</th></tr>
            </thead>
            <tbody>
              {queue.flavors.flatMap((f) =>
                Object.entries(f.resources).map(([r, a]) => (
                  <tr key={`${f.name}/${r}`}><td>{f.name}</td><td>{r}</td><td>{a.nominal}</td><td>{a.used}</td><td>{a.borrowed}</td><td>{a.cohortIdle}</td></tr>
                )),
              )}
            </tbody>
          </table>
        </>
      )}
    </details>
  );
};
