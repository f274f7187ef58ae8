import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkLinks, formatProblems } from "./check-links";

const root = path.join(__dirname, "../..");

describe("documentation links", () => {
  it("When README.md and docs/*.md are checked, then every relative link and #anchor resolves", async () => {
    const docs = (await readdir(path.join(root, "docs"))).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
    expect(docs.length, "docs/ holds the topic pages").toBeGreaterThan(0);
    const problems = await checkLinks(root, ["README.md", ...docs]);
    expect(problems, formatProblems(problems)).toEqual([]);
  });

  describe("the check itself", () => {
    let dir: string;
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("When a link names a missing file, a missing heading here or a missing heading in another file, then each is reported", async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "cp-doc-links-"));
      await writeFile(path.join(dir, "other.md"), "# Other\n\n## CLI (`cpctl`)\n\nText.\n");
      await writeFile(
        path.join(dir, "page.md"),
        [
          "# Page",
          "",
          "## Each job's usage",
          "",
          "Good: [a](other.md), [b](other.md#cli-cpctl), [c](#each-jobs-usage), [d](https://example.invalid/x).",
          "",
          "Broken: [e](missing.md), [f](#no-such-heading), [g](other.md#no-such-heading).",
          "",
        ].join("\n"),
      );
      const problems = await checkLinks(dir, ["page.md", "other.md"]);
      const reasons = problems.map((p) => `${path.basename(p.file)}:${p.line}: ${p.reason}`).sort();
      expect(reasons, formatProblems(problems)).toEqual([
        "page.md:7: Cannot find file `missing.md`",
        "page.md:7: Cannot find heading for `#no-such-heading`",
        "page.md:7: Cannot find heading for `#no-such-heading` in `other.md`",
      ]);
    });
  });
});
