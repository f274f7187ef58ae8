import { describe, expect, it } from "vitest";
import { TailBuffer } from "../../apps/cluster-applier/logs/tail-buffer";

const writeAll = async (buf: TailBuffer, chunks: string[]) => {
  for (const c of chunks) await new Promise<void>((r) => buf.write(Buffer.from(c), () => r()));
  await new Promise<void>((r) => buf.end(r));
};

describe("keeping the last bytes of a log", () => {
  it("When the log is shorter than the limit, then it is kept whole", async () => {
    const b = new TailBuffer(100);
    await writeAll(b, ["one\n", "two\n"]);
    expect(b.text()).toBe("one\ntwo\n");
  });

  it("When the log is longer, then only whole lines of the last bytes are kept, under a note of what was dropped, and memory stays bounded", async () => {
    const b = new TailBuffer(64);
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${String(i).padStart(4, "0")}\n`);
    await writeAll(b, lines);
    const text = b.text();
    const [note, ...kept] = text.split("\n");
    expect(note).toMatch(/^\[earlier output dropped: \d+ bytes; the last \d+ bytes are kept\]$/);
    expect(kept.join("\n")).toBe(lines.slice(-6).join(""));
    expect(Buffer.byteLength(kept.join("\n"))).toBeLessThanOrEqual(64);
    const dropped = Number(/dropped: (\d+)/.exec(note!)![1]);
    expect(dropped + Buffer.byteLength(kept.join("\n"))).toBe(lines.join("").length);
  });
});
