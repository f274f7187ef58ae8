import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document } from "yaml";
import { API_OBJECT_MAX_BYTES, SUBMISSION_DECODED_MAX_BYTES, type Problem } from "../contract";
import { excessiveNesting } from "./prescan";

export interface YamlLimits {
  maxDocuments: number;
  /** Deepest nesting of mappings and sequences allowed. */
  maxDepth: number;
  /** Alias nodes allowed per document; 0 forbids aliases (Kubernetes YAML rarely needs them). */
  maxAliases: number;
  /** Largest a document may become once its aliases are expanded (JSON bytes, about). */
  maxDocumentBytes?: number;
  /** Largest all documents together may become once expanded. */
  maxDecodedBytes?: number;
}

/**
 * The pre-parse scan over-estimates nesting (it cannot see quotes); this much room above
 * maxDepth keeps it from refusing real manifests while the parser's recursion stays small.
 */
const prescanBound = (maxDepth: number) => Math.max(64, maxDepth * 4);

export interface ParsedDocument {
  file: string;
  /** 1-based position of the document in its file, as a person would count. */
  document: number;
  line: number;
  value: Record<string, unknown>;
}

/** What the entrypoint stores for the YAML Manager: the raw files and their parsed documents. */
export interface StoredSubmission {
  files: { name: string; text: string }[];
  documents: ParsedDocument[];
}

export interface ParseResult {
  documents: ParsedDocument[];
  problems: Problem[];
}

/**
 * Parse untrusted multi-document YAML safely. Work is bounded before it is done: nesting by a
 * linear scan of the text before the parser recurses (prescan.ts); aliases and the expanded
 * size on the syntax tree before anything is expanded, so a billion-laughs document or a big
 * scalar aliased many times costs the size of its text, not of its expansion. Duplicate keys
 * are errors (the last one would silently win otherwise).
 */
export const parseYamlFiles = (files: { name: string; text: string }[], limits: YamlLimits): ParseResult => {
  const documents: ParsedDocument[] = [];
  const problems: Problem[] = [];
  let total = 0;
  let decoded = 0;
  const maxDocumentBytes = limits.maxDocumentBytes ?? API_OBJECT_MAX_BYTES;
  const maxDecodedBytes = limits.maxDecodedBytes ?? SUBMISSION_DECODED_MAX_BYTES;

  for (const { name, text } of files) {
    const deep = excessiveNesting(text, prescanBound(limits.maxDepth));
    if (deep) {
      const line = text.slice(0, deep.offset).split("\n").length;
      problems.push({ file: name, line, message: `nesting deeper than ${limits.maxDepth} levels (found before parsing; flatten the structure)` });
      continue;
    }
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
    if (!Array.isArray(docs)) continue; // an empty stream
    const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);

    for (const [i, doc] of docs.entries()) {
      const at = { file: name, document: i + 1 };
      if (++total > limits.maxDocuments) {
        problems.push({ ...at, message: `too many documents: at most ${limits.maxDocuments} per job` });
        return { documents, problems };
      }
      if (doc.errors.length > 0) {
        for (const e of doc.errors) {
          problems.push({ ...at, line: e.linePos?.[0]?.line ?? lineOf(e.pos[0]), message: `invalid YAML: ${firstLine(e.message)}` });
        }
        continue;
      }
      // `---` with nothing (or only comments) after it
      if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
      const shape = checkShape(doc, limits);
      if (shape) {
        problems.push({ ...at, line: lineOf(shape.offset), message: shape.message });
        continue;
      }
      if (!isMap(doc.contents)) {
        problems.push({ ...at, line: lineOf(doc.contents.range?.[0]), message: "a manifest must be a mapping (apiVersion, kind, metadata, ...)" });
        continue;
      }
      const size = expandedSize(doc, maxDocumentBytes + 1);
      if (size === "recursive") {
        problems.push({ ...at, line: lineOf(doc.contents.range?.[0]), message: "a YAML alias refers to its own anchor (a recursive structure): write the value out" });
        continue;
      }
      if (size > maxDocumentBytes) {
        problems.push({ ...at, line: lineOf(doc.contents.range?.[0]), message: `the document expands to more than ${mib(maxDocumentBytes)} (aliases included); the API server refuses objects that big` });
        continue;
      }
      decoded += size;
      if (decoded > maxDecodedBytes) {
        problems.push({ ...at, message: `the documents expand to more than ${mib(maxDecodedBytes)} in total (aliases included); split the job` });
        return { documents, problems };
      }
      try {
        const value = doc.toJS({ maxAliasCount: limits.maxAliases }) as Record<string, unknown>;
        documents.push({ ...at, line: lineOf(doc.contents.range?.[0]), value });
      } catch (err) {
        problems.push({ ...at, line: lineOf(doc.contents.range?.[0]), message: `invalid YAML: ${firstLine((err as Error).message)}` });
      }
    }
  }
  return { documents, problems };
};

/** Depth and alias limits, walked on the syntax tree. */
const checkShape = (doc: Document.Parsed, limits: YamlLimits): { offset?: number; message: string } | null => {
  let aliases = 0;
  let found: { offset?: number; message: string } | null = null;
  visit(doc, (_key, node, path) => {
    if (isAlias(node) && ++aliases > limits.maxAliases) {
      found = {
        offset: node.range?.[0],
        message:
          limits.maxAliases === 0
            ? "YAML aliases (*name) are not allowed: write the value out"
            : `too many YAML aliases: at most ${limits.maxAliases} per document`,
      };
      return visit.BREAK;
    }
    // Each level of nesting adds a collection and a pair to the path.
    if (path.length / 2 > limits.maxDepth) {
      const offset = (node as { range?: [number] } | null)?.range?.[0];
      found = { offset, message: `nesting deeper than ${limits.maxDepth} levels` };
      return visit.BREAK;
    }
    return undefined;
  });
  return found;
};

/**
 * About how many bytes of JSON the document becomes, counted on the syntax tree: an alias
 * costs what its anchor costs every time it is used (the amplification), memoised per node
 * so the count itself stays linear. Stops counting past `cap`.
 */
const expandedSize = (doc: Document.Parsed, cap: number): number | "recursive" => {
  const memo = new Map<unknown, number>();
  const inProgress = new Set<unknown>();
  let recursive = false;
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 4;
    const known = memo.get(node);
    if (known !== undefined) return known;
    if (inProgress.has(node)) {
      recursive = true;
      return cap;
    }
    inProgress.add(node);
    let n: number;
    if (isAlias(node)) n = size(node.resolve(doc));
    else if (isScalar(node)) n = (typeof node.value === "string" ? node.value.length : String(node.value).length) + 2;
    else if (isMap(node) || isSeq(node)) {
      n = 2;
      for (const item of node.items as unknown[]) {
        n += isPair(item) ? size(item.key) + size(item.value) + 2 : size(item) + 1;
        if (n > cap || recursive) break;
      }
    } else n = 4;
    inProgress.delete(node);
    memo.set(node, n);
    return n;
  };
  const n = size(doc.contents);
  return recursive ? "recursive" : n;
};

const mib = (bytes: number) => `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;

const firstLine = (s: string) => s.split("\n")[0] ?? s;
