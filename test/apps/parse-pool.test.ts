import { afterAll, describe, expect, it } from "vitest";
import { ParsePool } from "../../apps/shared/manifests/parse-pool";

const limits = { maxDocuments: 100, maxDepth: 32, maxAliases: 20 };
const pools: ParsePool[] = [];
const pool = (o: Partial<ConstructorParameters<typeof ParsePool>[0]> = {}) => {
  const p = new ParsePool({ size: 1, maxQueue: 8, timeoutMs: 30_000, ...o });
  pools.push(p);
  return p;
};
afterAll(async () => {
  for (const p of pools) await p.close();
});
const big = Array.from({ length: 3000 }, (_, i) => `k${i}: "${"v".repeat(40)}"`).join("\n");

describe("parsing in worker threads", () => {
  it("When YAML is parsed in the pool, then the result is the same as parsing inline (positions and problems included)", async () => {
    const r = await pool().parse([{ name: "a.yaml", text: "a: 1\n---\nkind: [\n" }], limits);
    expect(r.documents).toEqual([{ file: "a.yaml", document: 1, line: 1, value: { a: 1 } }]);
    expect(r.problems[0]).toMatchObject({ file: "a.yaml", document: 2, message: expect.stringMatching(/^invalid YAML/) });
  });

  it("When more submissions wait than the queue holds, then the extra one gets a 503 to retry, and the others are parsed", async () => {
    const p = pool({ maxQueue: 1 });
    const first = p.parse([{ name: "a", text: big }], limits);
    const second = p.parse([{ name: "b", text: "b: 2" }], limits);
    await expect(p.parse([{ name: "c", text: "c: 3" }], limits)).rejects.toMatchObject({ status: 503, retryable: true });
    expect((await first).documents).toHaveLength(1);
    expect((await second).documents[0]!.value).toEqual({ b: 2 });
  });

  it("When a parse runs past the time limit, then it is refused (413) and the pool goes on with a new worker", async () => {
    const p = pool({ timeoutMs: 1 });
    await expect(p.parse([{ name: "a", text: big }], limits)).rejects.toMatchObject({ status: 413, message: expect.stringMatching(/took longer than 1 ms/) });
    // The replacement worker needs more than 1 ms to start, so this one times out too: the pool is alive.
    await expect(p.parse([{ name: "b", text: "b: 2" }], limits)).rejects.toMatchObject({ status: 413 });
  });
});
