import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RESULTS_FILE } from "../../bench/results-file";

const ROOT = path.join(__dirname, "../..");
const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });

describe("a checkout stays clean", () => {
  it("When npm run bench writes its results, then git ignores the file and tracks no copy of it", () => {
    const file = path.relative(ROOT, RESULTS_FILE);
    expect(git("check-ignore", "-q", file).status, `${file} is not ignored by git`).toBe(0);
    expect(execFileSync("git", ["ls-files", "bench", ".bench"], { cwd: ROOT, encoding: "utf8" })).not.toMatch(/results\.json/);
  });
});
