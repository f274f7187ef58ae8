/**
 * A bound on nesting that runs before the YAML parser, in one pass over the text.
 *
 * The parser builds nested collections by recursion: 1 MiB of `a: [[[[…` cost seconds of one
 * core and overflowed the stack before any depth check on the syntax tree could run. This scan
 * is deliberately simple and over-estimates rather than under-estimates: it ignores quoting and
 * comments (a bracket inside a string counts as well), so no trick with quotes can hide nesting
 * from it. It only has to keep the parser's recursion small; the exact depth check on the
 * syntax tree (parse-yaml.ts) still gives the precise limit and message afterwards.
 *
 * - flow nesting: open brackets `[` `{` minus closing ones, never below zero;
 * - block nesting: the stack of increasing indentations, plus compact `- ` and `? ` entries
 *   that open a collection on the same line (`- - - a`).
 */
export interface NestingFound {
  /** Offset in the text where the bound was passed. */
  offset: number;
}

export const excessiveNesting = (text: string, bound: number): NestingFound | null => {
  let flow = 0;
  const indents: number[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let end = text.indexOf("\n", lineStart);
    if (end === -1) end = text.length;
    let i = lineStart;
    while (i < end && text.charCodeAt(i) === 0x20) i++;
    const first = text[i];
    // Blank and comment lines open nothing; `---`/`...` at column 0 start a new document.
    if (i < end && first !== "#" && first !== "\r") {
      if (i === lineStart && (text.startsWith("---", i) || text.startsWith("...", i))) indents.length = 0;
      const indent = i - lineStart;
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      // Compact nested entries: each `- ` or `? ` opens one more level on this line.
      while ((text[i] === "-" || text[i] === "?") && (text[i + 1] === " " || i + 1 >= end)) {
        i += 2;
        while (i < end && text.charCodeAt(i) === 0x20) i++;
        indents.push(i - lineStart);
        if (indents.length + flow > bound) return { offset: i };
      }
      if (indents.length + flow > bound) return { offset: i };
    }
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) {
        if (++flow + indents.length > bound) return { offset: i };
      } else if ((c === 0x5d || c === 0x7d) && flow > 0) {
        flow--;
      }
    }
    lineStart = end + 1;
  }
  return null;
};
