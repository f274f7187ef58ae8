import { useEffect, useRef, useState } from "preact/hooks";
import type { DryRunResult } from "../types";
import { submit, validate, type ManifestFile } from "../api";
import { explain } from "../api-error";
import { AnnotatedYaml } from "./AnnotatedYaml";
import { ProblemList } from "./ProblemList";
import { YamlEditor } from "./YamlEditor";

const PASTED = "pasted.yaml";
const VALIDATE_AFTER_MS = 500;

/**
 * Paste YAML or drop files; the dry run (admission only, nothing created) runs as you type
 * and shows problems at their lines before you create the job.
 */
export const SubmitPanel = ({
  onSubmitted,
  onError,
  preload,
}: {
  onSubmitted(id: string): void;
  onError(message: string): void;
  /** "Edit and run": another job's files to start from (one file goes into the text box). */
  preload?: { files: ManifestFile[]; nonce: number };
}) => {
  const [text, setText] = useState("");
  const [files, setFiles] = useState<ManifestFile[]>([]);
  const [key, setKey] = useState("");
  const [result, setResult] = useState<DryRunResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [sending, setSending] = useState(false);
  const [validationError, setValidationError] = useState<string | null>(null);
  const generation = useRef(0);

  useEffect(() => {
    if (!preload) return;
    const [only] = preload.files;
    if (preload.files.length === 1 && only) {
      setFiles([]);
      setText(only.text);
    } else setFiles(preload.files);
    document.getElementById("yaml-input")?.focus();
  }, [preload?.nonce]);

  const manifests: ManifestFile[] = files.length > 0 ? files : text.trim() ? [{ name: PASTED, text }] : [];

  useEffect(() => {
    setResult(null);
    setValidationError(null);
    if (manifests.length === 0) return;
    const mine = ++generation.current;
    const timer = setTimeout(() => {
      setChecking(true);
      validate(manifests).then(
        (r) => mine === generation.current && setResult(r),
        (err: unknown) => mine === generation.current && setValidationError(explain(err)),
      ).finally(() => mine === generation.current && setChecking(false));
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [text, files]);

  const addFiles = async (list: FileList | null) => {
    if (!list) return;
    const read = await Promise.all([...list].map(async (f) => ({ name: f.name, text: await f.text() })));
    setFiles((prev) => [...prev, ...read]);
  };

  const send = async () => {
    setSending(true);
    try {
      const job = await submit(manifests, key.trim() || undefined);
      setText("");
      setFiles([]);
      setKey("");
      onSubmitted(job.id);
    } catch (err) {
      onError(explain(err));
    } finally {
      setSending(false);
    }
  };

  const fileProblems = (name: string) => (result?.problems ?? []).filter((p) => (p.file ?? PASTED) === name || (manifests.length === 1 && p.file === "body"));

  return (
    <section class="submit" aria-labelledby="submit-title">
      <h2 id="submit-title">Submit a job</h2>
      <span id="yaml-label" class="label">Kubernetes YAML (one or more documents)</span>
      <YamlEditor id="yaml-input" labelledBy="yaml-label" value={text} onChange={setText} readOnly={files.length > 0} problems={files.length === 0 ? (result?.problems ?? []) : []} />
      <div
        class="drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          void addFiles(e.dataTransfer?.files ?? null);
        }}
      >
        <label for="file-input">…or drop files here, or choose them:</label>
        <input id="file-input" type="file" multiple accept=".yaml,.yml,application/yaml,text/yaml" onChange={(e) => void addFiles(e.currentTarget.files)} />
        {files.length > 0 && (
          <p>
            {files.map((f) => f.name).join(", ")}{" "}
            <button type="button" onClick={() => setFiles([])}>
              Clear files
            </button>
          </p>
        )}
      </div>
      <label for="idem-input">Idempotency key (optional: a retry with the same key never makes a second job)</label>
      <input id="idem-input" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
      <div class="validation" aria-live="polite" data-state={checking ? "checking" : result ? (result.ok ? "ok" : "problems") : "idle"}>
        {checking && <p>Checking…</p>}
        {validationError && <p class="error">{validationError}</p>}
        {result?.ok && <p class="ok">Dry run: the manifests would be accepted ({result.resources.length} objects).</p>}
        {result && !result.ok && <p class="error">Dry run: {result.problems.length} problem(s); the job would be rejected as it is.</p>}
        {result && <ProblemList problems={result.problems} warnings={result.warnings} />}
        {result && !result.ok && files.map((m) => <AnnotatedYaml key={m.name} name={m.name} text={m.text} problems={fileProblems(m.name)} />)}
      </div>
      <button type="button" class="primary" disabled={manifests.length === 0 || sending} onClick={() => void send()}>
        {sending ? "Submitting…" : "Submit job"}
      </button>
    </section>
  );
};
