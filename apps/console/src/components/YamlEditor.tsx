import { useEffect, useRef } from "preact/hooks";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, placeholder } from "@codemirror/view";
import type { Problem } from "../types";

/** The nonce the server put in this page (index.html, per response): the editor's <style> elements carry it. */
const cspNonce = () => document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? "";

/** Token colours from styles.css variables: light and dark mode each keep AA contrast. */
const yamlColours = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "var(--tok-key)" },
  { tag: [t.string, t.special(t.string), t.content], color: "var(--tok-string)" },
  { tag: [t.number, t.integer, t.float], color: "var(--tok-number)" },
  { tag: [t.bool, t.null, t.atom, t.keyword], color: "var(--tok-atom)" },
  { tag: [t.comment, t.lineComment], color: "var(--tok-comment)", fontStyle: "italic" },
  { tag: [t.meta, t.punctuation, t.separator, t.labelName, t.typeName], color: "var(--tok-meta)" },
]);

/**
 * The lint marks without images: @codemirror/lint draws its underline and gutter dot as data:
 * SVG images, which the page's CSP (`img-src 'self'`) refuses. A wavy text underline and a CSS
 * dot instead; this theme outranks lint's base theme.
 */
const lintWithoutImages = EditorView.theme({
  ".cm-lintRange-error": { backgroundImage: "none", textDecoration: "underline wavy var(--bad)", textDecorationSkipInk: "none", textUnderlineOffset: "3px" },
  ".cm-lint-marker-error": { content: "normal", backgroundColor: "var(--bad)", borderRadius: "50%", width: ".7em", height: ".7em", margin: ".15em" },
});

/** The dry run's problems at their lines, as the editor's diagnostics (the lint gutter marks the line). */
export const diagnosticsFor = (state: EditorState, problems: Problem[]): Diagnostic[] =>
  problems.flatMap((p) => {
    if (p.line === undefined || p.line < 1 || p.line > state.doc.lines) return [];
    const line = state.doc.line(p.line);
    return [{ from: line.from, to: line.to, severity: "error", message: `${p.message}${p.rule ? ` [${p.rule}]` : ""}`, source: p.object }];
  });

/**
 * CodeMirror 6 with YAML highlighting (@codemirror/lang-yaml), line numbers, undo, and the
 * dry run's problems as diagnostics. Tab is left to move focus (no indentWithTab), so the
 * editor never traps a keyboard user.
 */
export const YamlEditor = ({ id, labelledBy, value, onChange, problems, readOnly }: { id: string; labelledBy: string; value: string; onChange(text: string): void; problems: Problem[]; readOnly: boolean }) => {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const editable = useRef(new Compartment());
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          EditorView.cspNonce.of(cspNonce()),
          lineNumbers(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          yaml(),
          syntaxHighlighting(yamlColours),
          lintGutter(),
          lintWithoutImages,
          placeholder("apiVersion: batch/v1\nkind: Job\n…"),
          editable.current.of(EditorView.editable.of(!readOnly)),
          EditorView.contentAttributes.of({ id, "aria-labelledby": labelledBy, "aria-multiline": "true", role: "textbox" }),
          EditorView.updateListener.of((u) => u.docChanged && changed.current(u.state.doc.toString())),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, []);

  // The text from outside (cleared after a submit).
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure(EditorView.editable.of(!readOnly)) });
  }, [readOnly]);

  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(setDiagnostics(v.state, diagnosticsFor(v.state, problems)));
  }, [problems]);

  return <div class="editor" ref={host} />;
};
