import { describe, expect, it } from "vitest";
import { parseYamlFiles, type YamlLimits } from "../../apps/shared/manifests/parse-yaml";

const limits: YamlLimits = { maxDocuments: 10, maxDepth: 8, maxAliases: 5 };
const parse = (text: string, l = limits) => parseYamlFiles([{ name: "job.yaml", text }], l);

describe("parsing untrusted YAML", () => {
  it("When a body holds several documents, then each becomes a parsed object with its position", () => {
    const r = parse("a: 1\n---\nb: 2\n---\n");
    expect(r.problems).toEqual([]);
    expect(r.documents.map((d) => [d.document, d.line, d.value])).toEqual([
      [1, 1, { a: 1 }],
      [2, 3, { b: 2 }],
    ]);
  });

  it("When the YAML is malformed, then the problem names the file, document and line", () => {
    const r = parse("a: 1\n---\nkind: Pod\nmetadata: {name: x\n");
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems[0]).toMatchObject({ file: "job.yaml", document: 2 });
    expect(r.problems[0]!.line).toBeGreaterThanOrEqual(4);
    expect(r.problems[0]!.message).toMatch(/^invalid YAML/);
  });

  it("When a key appears twice, then it is an error rather than the last value silently winning", () => {
    const r = parse("kind: Pod\nkind: Service\n");
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/unique|duplicate/i);
  });

  it("When a billion-laughs document arrives, then it is rejected cheaply without expanding it", () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const started = process.hrtime.bigint();
    const r = parse(lines.join("\n"), { ...limits, maxAliases: 20 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(r.documents).toHaveLength(0);
    expect(r.problems[0]!.message).toMatch(/too many YAML aliases/);
    // Expanded, this would be 9^10 strings; the check must not even try (generous bound).
    expect(ms).toBeLessThan(1000);
  });

  it("When aliases are forbidden by config, then the first one is reported with its line", () => {
    const r = parse("x: &v 1\ny: *v\n", { ...limits, maxAliases: 0 });
    expect(r.problems).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/aliases .* not allowed/) })]);
  });

  it("When nesting is deeper than the limit, then the document is rejected", () => {
    const deep = "a:\n" + Array.from({ length: 12 }, (_, i) => `${"  ".repeat(i + 1)}k${i}:`).join("\n") + " 1\n";
    const r = parse(deep);
    expect(r.problems[0]!.message).toMatch(/nesting deeper than 8/);
  });

  it("When there are more documents than allowed, then parsing stops with that problem", () => {
    const r = parse(Array.from({ length: 12 }, (_, i) => `i: ${i}`).join("\n---\n"));
    expect(r.problems.at(-1)!.message).toMatch(/too many documents: at most 10/);
  });

  it("When a document is a list or a scalar, then it is not a manifest", () => {
    const r = parse("- a\n- b\n---\njust text\n");
    expect(r.problems.map((p) => p.document)).toEqual([1, 2]);
    expect(r.problems[0]!.message).toMatch(/must be a mapping/);
  });

  it("When a 1 MiB body nests flow collections (a: [[[[...), then it is refused before the parser recurses", () => {
    const started = process.hrtime.bigint();
    const r = parse("a: " + "[".repeat(1024 * 1024));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(r.documents).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/nesting deeper than 8 levels \(found before parsing/) })]);
    // The parser took seconds and overflowed the stack on this input; the scan is linear.
    expect(ms).toBeLessThan(2000);
  });

  it("When block nesting is deep (by indentation or compact '- - -'), then it is refused before parsing", () => {
    const indented = Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    expect(parse(indented).problems[0]!.message).toMatch(/found before parsing/);
    expect(parse("a:\n" + "- ".repeat(5000) + "x\n").problems[0]!.message).toMatch(/found before parsing/);
  });

  it("When brackets hide inside quotes, then the pre-parse scan still counts them (it over-estimates, never under-estimates)", () => {
    expect(parse(`a: "x\n  y"\nb: '${"[".repeat(500)}'\n`).problems[0]!.message).toMatch(/found before parsing/);
  });

  it("When a scalar is aliased many times, then the expanded size counts each use and the document is refused", () => {
    const big = "x".repeat(1_000_000);
    const text = `a: &a "${big}"\n` + Array.from({ length: 19 }, (_, i) => `b${i}: *a`).join("\n");
    const r = parse(text, { ...limits, maxAliases: 20 });
    expect(r.documents).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ document: 1, message: expect.stringMatching(/expands to more than 1.5 MiB \(aliases included\)/) })]);
  });

  it("When documents are each small but expand to too much together, then the submission is refused", () => {
    const doc = (i: number) => `i: ${i}\na: &a "${"y".repeat(100_000)}"\nb: [*a, *a, *a, *a]`;
    const r = parse(Array.from({ length: 10 }, (_, i) => doc(i)).join("\n---\n"), { ...limits, maxDecodedBytes: 2_000_000 });
    expect(r.problems.at(-1)!.message).toMatch(/expand to more than 1.9 MiB in total/);
  });

  it("When an alias refers to its own anchor, then the recursive structure is refused", () => {
    const r = parse("a: &x [1, *x]\n");
    expect(r.problems[0]!.message).toMatch(/recursive|alias/);
    expect(r.documents).toEqual([]);
  });

  it("When kubectl's dry-run output (creationTimestamp: null, status: {}) is parsed, then it is one clean document", () => {
    const text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: web\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  strategy: {}\n  template:\n    metadata:\n      creationTimestamp: null\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx\n        name: nginx\n        resources: {}\nstatus: {}\n";
    const r = parse(text);
    expect(r.problems).toEqual([]);
    expect(r.documents[0]!.value).toMatchObject({ metadata: { creationTimestamp: null, name: "web" }, status: {} });
  });
});
