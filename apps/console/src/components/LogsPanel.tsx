import { useEffect, useRef, useState } from "preact/hooks";
import { explain } from "../api-error";
import { followText } from "../event-stream";

const TAIL_LINES = 1000;

/** The job's logs (live from the cluster, or saved once its pods are gone); follow streams them. */
export const LogsPanel = ({ jobId }: { jobId: string }) => {
  const [text, setText] = useState("");
  const [follow, setFollow] = useState(false);
  const [container, setContainer] = useState("");
  const [state, setState] = useState<"loading" | "done" | "following">("loading");
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    setText("");
    setError(null);
    setState(follow ? "following" : "loading");
    const q = new URLSearchParams({ tailLines: String(TAIL_LINES), follow: String(follow) });
    if (container.trim()) q.set("container", container.trim());
    const stream = followText(
      `/jobs/${encodeURIComponent(jobId)}/logs?${q}`,
      (chunk) => setText((t) => t + chunk),
      (err) => {
        setState("done");
        if (err) setError(explain(err));
      },
    );
    return () => stream.stop();
  }, [jobId, follow, container]);

  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text, follow]);

  return (
    <div class="logs">
      <div class="log-controls">
        <label for="log-container">Container</label>
        <input id="log-container" placeholder="all" value={container} onChange={(e) => setContainer(e.currentTarget.value)} />
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow
        </label>
        <span aria-live="polite">{state === "following" ? "following…" : state === "loading" ? "loading…" : ""}</span>
      </div>
      {error && <p class="error" role="status">{error}</p>}
      <pre ref={pre} class="mono log-text" tabIndex={0} role="log" aria-label="Logs">
        {text || (state === "done" && !error ? "(no log lines)" : "")}
      </pre>
    </div>
  );
};
