import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/test-stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_PER_SECOND: "100000", MAX_BODY_BYTES: "65536" });
});
afterAll(async () => {
  await stack?.cleanup();
});

const corpus = [...readdirSync(path.join(__dirname, "../fixtures/manifests")).map((f) => readFileSync(path.join(__dirname, "../fixtures/manifests", f), "utf8"))];

/** A real manifest, cut, spliced and sprinkled with YAML's special characters. */
const mutatedManifest = fc
  .tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.constantFrom("&a ", "*a", "{", "[", ":", "- ", "\t", "\n---\n", "!!binary ", "<<: *a", "\u0000", "'", '"', "#")), { maxLength: 8 }), fc.option(fc.nat()))
  .map(([text, edits, cut]) => {
    let s = text;
    for (const [at, piece] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + piece + s.slice(i);
    }
    return cut === null ? s : s.slice(0, cut % (s.length + 1));
  });

/** Any JSON-ish value written as YAML: lists, scalars, deep maps, odd keys. */
const randomDocument = fc.anything({ maxDepth: 6 }).map((v) => {
  try {
    return stringify(v);
  } catch {
    return String(v);
  }
});

const post = async (body: string | Buffer, headers: Record<string, string>) => {
  const res = await fetch(`${stack.url}/yaml`, { method: "POST", headers, body });
  await res.arrayBuffer();
  return res.status;
};

describe("fuzzing the input path (no crash, no 5xx for client mistakes, bounded memory)", () => {
  it("When random and mutated manifests are posted, then every answer is 202 or a 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedManifest, randomDocument), async (text) => {
        const status = await post(text, { "content-type": "application/yaml" });
        expect([202, 400, 413]).toContain(status);
      }),
      { numRuns: 300 },
    );
  });

  it("When multipart bodies are truncated or their boundaries broken, then the answer is a 4xx (and a complete one is accepted)", async () => {
    const part = (name: string, body: string) => `--B\r\nContent-Disposition: form-data; name="f"; filename="${name}"\r\nContent-Type: application/yaml\r\n\r\n${body}\r\n`;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...corpus), fc.nat(), fc.constantFrom("B", "X", ""), async (manifest, cut, boundary) => {
        const full = `${part("a.yaml", manifest)}--B--\r\n`;
        const body = full.slice(0, cut % full.length);
        const status = await post(body, { "content-type": `multipart/form-data; boundary=${boundary}` });
        // Only a body that still ends with its closing delimiter is complete (the CRLF after it is optional).
        const complete = boundary === "B" && body.includes("--B--");
        if (complete) expect(status).toBe(202);
        else expect([400, 413, 415]).toContain(status);
      }),
      { numRuns: 150 },
    );
  });

  it("When hundreds of hostile requests have been served, then the process still answers and memory stayed bounded", async () => {
    const before = process.memoryUsage().rss;
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(",")}]`)].join("\n");
    for (let i = 0; i < 200; i++) {
      expect(await post(bomb, { "content-type": "application/yaml" })).toBe(400);
      expect(await post(Buffer.alloc(70_000, 0x61), { "content-type": "application/yaml" })).toBe(413);
    }
    const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(grownMb).toBeLessThan(150);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });
});
