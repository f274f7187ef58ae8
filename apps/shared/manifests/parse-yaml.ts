import { LineCounter, isAlias, isMap, isScalar, parseAllDocuments, visit, type Document } from "yaml";
import type { Problem } from "../contract";

export interface YamlLimits {
  maxDocuments: number;
  /** Deepest nesting of mappings and sequences allowed. */
  maxDepth: number;
  /** Alias nodes allowed per document; 0 forbids aliases (Kubernetes YAML rarely needs them). */
  maxAliases: number;
}

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
 * Parse untrusted multi-document YAML safely. Limits are checked on the syntax tree before
 * anything is expanded, so a billion-laughs document costs the size of its text, not of
 * its expansion. Duplicate keys are errors (the last one would silently win otherwise).
 */
export const parseYamlFiles = (files: { name: string; text: string }[], limits: YamlLimits): ParseResult => {
  const documents: ParsedDocument[] = [];
  const problems: Problem[] = [];
  let total = 0;

  for (const { name, text } of files) {
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

const firstLine = (s: string) => s.split("\n")[0] ?? s;
