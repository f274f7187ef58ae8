import type { AdmissionWarning, Problem } from "../types";

const where = (p: { file?: string; document?: number; line?: number; object?: string; path?: string }): string =>
  [p.file, p.document !== undefined ? `document ${p.document}` : undefined, p.line !== undefined ? `line ${p.line}` : undefined, p.object, p.path].filter(Boolean).join(" · ");

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
      <ul class="warnings" aria-label="Warnings">
        {warnings.map((w, i) => (
          <li key={i} class="warning">
            <span class="where">{where(w)}</span> {w.message}
          </li>
        ))}
      </ul>
    )}
  </div>
);
