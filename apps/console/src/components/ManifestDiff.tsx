import { diffLines } from "diff";
import { parseAllDocuments, stringify } from "yaml";
import type { Manifests as ManifestsView } from "../types";

/** One object as the diff shows it: keys sorted, comments and layout gone, so only content differs. */
const normal = (value: unknown) => stringify(value, { sortMapEntries: true }).trimEnd();

/** Submitted files as normalised documents; a file that does not parse stays as its text. */
const normalisedSubmitted = (files: ManifestsView["submitted"]): string =>
  files
    .flatMap((f) => {
      const docs = parseAllDocuments(f.text);
      if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return [f.text.trimEnd()];
      return docs.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined).map(normal);
    })
    .join("\n---\n") + "\n";

/**
 * What was submitted next to what was (or would be) applied, as a line diff (jsdiff) of
 * normalised documents (keys sorted, comments and formatting dropped on both sides), so what
 * shows is what admission changed, not how the YAML was written.
 */
export const ManifestDiff = ({ manifests }: { manifests: ManifestsView }) => {
  const submitted = manifests.submitted.map((f) => f.text.trimEnd()).join("\n---\n") + "\n";
  if (!manifests.applied) {
    return (
      <div class="diff">
        <p>Nothing applied{manifests.status === "REJECTED" ? ": admission rejected the job" : " yet"}. Submitted:</p>
        <pre class="mono" tabIndex={0} role="region" aria-label="Submitted manifests">{submitted}</pre>
      </div>
    );
  }
  const applied = manifests.applied.map(normal).join("\n---\n") + "\n";
  const parts = diffLines(normalisedSubmitted(manifests.submitted), applied);
  return (
    <div class="diff">
      <p>
        Lines marked <span class="legend legend-removed">−</span> were submitted but changed by admission; lines marked <span class="legend legend-added">+</span> are what was{" "}
        {manifests.target === "kubernetes" ? "applied" : "recorded (dry-run target)"}.
      </p>
      <pre class="mono" tabIndex={0} role="region" aria-label="Submitted versus applied manifests">
        {parts.map((p, i) => (
          <span key={i} class={p.added ? "added" : p.removed ? "removed" : "same"}>
            {p.value
              .replace(/\n$/, "")
              .split("\n")
              .map((l) => `${p.added ? "+ " : p.removed ? "− " : "  "}${l}\n`)
              .join("")}
          </span>
        ))}
      </pre>
    </div>
  );
};
