import { diffLines } from "diff";
import { stringify } from "yaml";
import type { Manifests as ManifestsView } from "../types";

/** What was submitted next to what was (or would be) applied, as a line diff (jsdiff). */
export const ManifestDiff = ({ manifests }: { manifests: ManifestsView }) => {
  const submitted = manifests.submitted.map((f) => f.text.trimEnd()).join("\n---\n") + "\n";
  if (!manifests.applied) {
    return (
      <div class="diff">
        <p>Nothing applied{manifests.status === "REJECTED" ? ": admission rejected the job" : " yet"}. Submitted:</p>
        <pre class="mono">{submitted}</pre>
      </div>
    );
  }
  const applied = manifests.applied.map((o) => stringify(o).trimEnd()).join("\n---\n") + "\n";
  const parts = diffLines(submitted, applied);
  return (
    <div class="diff">
      <p>
        Lines marked <span class="removed">−</span> were submitted but changed by admission; lines marked <span class="added">+</span> are what was{" "}
        {manifests.target === "kubernetes" ? "applied" : "recorded (dry-run target)"}.
      </p>
      <pre class="mono" aria-label="Submitted versus applied manifests">
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
