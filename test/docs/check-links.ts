/**
 * Offline check of the relative links in markdown files: each linked file must exist and each
 * `#anchor` must name a heading of its file (GitHub's heading slugs, github-slugger). It runs
 * remark-validate-links the way remark's CLI does, through unified-engine, which is what lets it
 * check headings in other files too (the plugin alone, as an API, checks only the same file's).
 * URLs are not fetched: there is no network here, and that is not what this guards.
 */
import { PassThrough } from "node:stream";
import type { Options as EngineOptions } from "unified-engine";

export type LinkProblem = { file: string; line?: number; column?: number; reason: string };

/** Problems in `files` (paths relative to `root`, which is the repository's root for the check). */
export const checkLinks = async (root: string, files: string[]): Promise<LinkProblem[]> => {
  // ESM-only packages, loaded as such (vitest runs this file as ESM).
  const [{ engine }, { remark }, { default: remarkValidateLinks }] = await Promise.all([
    import("unified-engine"),
    import("remark"),
    import("remark-validate-links"),
  ]);
  const sink = new PassThrough();
  sink.resume(); // the engine's own report is not needed: the messages are read from the files
  const context = await new Promise<{ files?: { path: string; messages: { line?: number | null; column?: number | null; reason: string; fatal?: boolean | null }[] }[] }>((resolve, reject) =>
    engine(
      {
        processor: remark(),
        cwd: root,
        files,
        extensions: ["md"],
        // Through the engine (not processor.use), so that the plugin gets the file set as its second argument.
        // (Its transformer is typed for mdast's Root, the engine's plugin list for any unist Node.)
        plugins: [[remarkValidateLinks, { repository: false, root }]] as unknown as EngineOptions["plugins"],
        out: false,
        output: false,
        quiet: true,
        color: false,
        streamError: sink,
      },
      (error, _code, ctx) => (error ? reject(error) : resolve(ctx as never)),
    ),
  );
  return (context.files ?? []).flatMap((file) =>
    file.messages.map((m) => ({ file: file.path, line: m.line ?? undefined, column: m.column ?? undefined, reason: m.reason })),
  );
};

export const formatProblems = (problems: LinkProblem[]) => problems.map((p) => `${p.file}:${p.line ?? "?"}:${p.column ?? "?"}: ${p.reason}`).join("\n");
