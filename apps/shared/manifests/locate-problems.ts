import { LineCounter, isAlias, isMap, isSeq, parseAllDocuments, type Document, type Node } from "yaml";
import type { Problem } from "../contract";

/**
 * Files larger than this keep each problem at its document's first line: locating parses the
 * file again, on the calling thread, and only when a job is refused. A manifest of a few
 * kilobytes costs about a millisecond; the bound keeps a refusal of a big body cheap.
 */
export const LOCATE_MAX_BYTES = 256 * 1024;

/**
 * Point each problem at the line of the field it names, not at its object's first line:
 * the deepest node its path reaches in the submitted text (a field that is missing points at
 * its parent). Problems without a path, or in files too big to parse again, stay as they are.
 * Admission's warnings (the defaults it applied) are located the same way.
 */
export const locateProblems = <T extends Pick<Problem, "file" | "document" | "path" | "line">>(files: { name: string; text: string }[], problems: T[]): T[] => {
  const parsed = new Map<string, { docs: Document[]; lines: LineCounter } | undefined>();
  const parse = (name: string) => {
    if (!parsed.has(name)) {
      const text = files.find((f) => f.name === name)?.text;
      if (text === undefined || Buffer.byteLength(text) > LOCATE_MAX_BYTES) parsed.set(name, undefined);
      else {
        const lines = new LineCounter();
        // The same parser and options as parse-yaml.ts, so document numbers match.
        const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
        parsed.set(name, Array.isArray(docs) ? { docs, lines } : undefined);
      }
    }
    return parsed.get(name);
  };
  return problems.map((p) => {
    if (!p.file || !p.document || !p.path) return p;
    const file = parse(p.file);
    const doc = file?.docs[p.document - 1];
    const offset = doc ? deepestNode(doc.contents, p.path)?.range?.[0] : undefined;
    return offset === undefined ? p : { ...p, line: file!.lines.linePos(offset).line };
  });
};

/**
 * Follow a path such as `spec.template.spec.containers[0].securityContext` as far as the
 * syntax tree goes. Keys may contain dots (annotation keys, e.g.
 * `container.apparmor.security.beta.kubernetes.io/app`): at each mapping the longest key that
 * the rest of the path starts with wins. An alias stops the walk at the alias itself.
 */
export const deepestNode = (root: unknown, path: string): Node | undefined => {
  let node = root as Node | null | undefined;
  let found: Node | undefined = node ?? undefined;
  let rest = path;
  while (node && rest.length > 0) {
    if (isAlias(node)) break;
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index) {
      if (!isSeq(node)) break;
      node = node.items[Number(index[1])] as Node | undefined;
      rest = rest.slice(index[0].length);
    } else if (isMap(node)) {
      let best: { key: string; keyNode: Node; value: Node | undefined } | undefined;
      for (const pair of node.items) {
        const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
        const boundary = rest.charAt(key.length);
        if (rest.startsWith(key) && (boundary === "" || boundary === "." || boundary === "[") && key.length > (best?.key.length ?? -1)) {
          best = { key, keyNode: pair.key as Node, value: pair.value as Node | undefined };
        }
      }
      if (!best) break;
      // The key's line: a block mapping's value starts on the line after its key.
      found = best.keyNode;
      node = best.value;
      rest = rest.slice(best.key.length).replace(/^\./, "");
      continue;
    } else break;
    if (node) found = node;
  }
  return found;
};
