import type { AdmissionWarning, Problem } from "../types";

const where = (p: { file?: string; document?: number; line?: number; object?: string; path?: string }): string =>
  [p.file, p.document !== undefined ? `document ${p.document}` : undefined, p.line !== undefined ? `line ${p.line}` : undefined, p.object, p.path].filter(Boolean).join(" · ");

const objectsOf = (warnings: AdmissionWarning[]) => {
  const objects = [...new Set(warnings.map((w) => w.object).filter(Boolean))];
  return objects.length === 0 ? "" : ` to ${objects.length <= 2 ? objects.join(" and ") : `${objects.length} objects`}`;
};

/** Problems (with their rule) and warnings, each with where it is: file, document, line, object, path. */
export const ProblemList = ({ problems, warnings, title }: { problems: Problem[]; warnings: AdmissionWarning[]; title?: string }) => (
  <div class="findings">
    {title && <h3>{title}</h3>}
    {problems.length > 0 && (
      <ul class="problems" aria-label="Problems">
        {problems.map((p, i) => (
          <li key={i} class="problem">
            <span class="where">{where(p)}</span> {p.message} {p.rule && <code class="rule">{p.rule}</code>}
          </li>
        ))}
      </ul>
    )}
    {warnings.length > 0 && (
      // The defaults admission filled in: one line, the details on request (they are not problems).
      <details class="defaults">
        <summary>
          The platform applied {warnings.length} default{warnings.length === 1 ? "" : "s"}
          {objectsOf(warnings)}
        </summary>
        <ul class="warnings" aria-label="Defaults applied">
          {warnings.map((w, i) => (
            <li key={i} class="warning">
              <span class="where">{where(w)}</span> {w.message}
            </li>
          ))}
        </ul>
      </details>
    )}
  </div>
);
