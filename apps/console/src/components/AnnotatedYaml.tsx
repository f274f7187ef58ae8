import type { Problem } from "../types";

/** A file's text with line numbers, each problem shown under the line it points at. */
export const AnnotatedYaml = ({ name, text, problems }: { name: string; text: string; problems: Problem[] }) => {
  const byLine = new Map<number, Problem[]>();
  for (const p of problems) if (p.line !== undefined) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  return (
    <figure class="annotated">
      <figcaption>{name}</figcaption>
      <ol class="lines" tabIndex={0} aria-label={`${name} with its problems`}>
        {text.split("\n").map((line, i) => (
          <li key={i} class={byLine.has(i + 1) ? "has-problem" : ""} data-line={i + 1}>
            <code>{line || " "}</code>
            {byLine.get(i + 1)?.map((p, k) => (
              <div key={k} class="inline-problem" role="note">
                {p.message} {p.rule && <code class="rule">{p.rule}</code>}
              </div>
            ))}
          </li>
        ))}
      </ol>
    </figure>
  );
};
