import { describe, expect, it } from "vitest";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";

const limits = { maxDocuments: 10, maxDepth: 8, maxAliases: 5 };
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
});
