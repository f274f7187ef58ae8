/**
 * Bundle the web console (apps/console) into dist/console with esbuild: one script and one
 * stylesheet, no inline code (the page's CSP allows only same-origin files). Runs before
 * `npm start` and in `npm run build`; about a second.
 */
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const ROOT = path.join(__dirname, "..");

/** Bytes of each bundled file, as served and gzipped (what a first visit downloads). */
export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * Each file is written beside its place and renamed over it (atomic on one filesystem), and the
 * folder is never emptied first: a server may be serving it while another process builds it
 * (the console test files each build it, and vitest runs files in parallel), and must never see
 * a missing or half-written file. Every build of the same source writes the same bytes.
 */
const replace = async (file: string, contents: Uint8Array | string) => {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, contents);
  await rename(tmp, file);
};

export const buildConsole = async (outDir = path.join(ROOT, "dist", "console")): Promise<BundleSize[]> => {
  await mkdir(path.join(outDir, "assets"), { recursive: true });
  const { outputFiles } = await build({
    write: false,
    entryPoints: { app: path.join(ROOT, "apps/console/src/main.tsx"), styles: path.join(ROOT, "apps/console/src/styles.css") },
    outdir: path.join(outDir, "assets"),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: "esm",
    target: ["chrome120", "firefox120", "safari17"],
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "linked",
    logLevel: "warning",
  });
  await Promise.all(outputFiles.map((f) => replace(f.path, f.contents)));
  await replace(path.join(outDir, "index.html"), readFileSync(path.join(ROOT, "apps/console/index.html")));
  await replace(path.join(outDir, "assets", "favicon.svg"), readFileSync(path.join(ROOT, "apps/console/favicon.svg")));
  return Promise.all(
    ["app.js", "styles.css"].map(async (file) => {
      const at = path.join(outDir, "assets", file);
      return { file, bytes: (await stat(at)).size, gzipBytes: gzipSync(readFileSync(at)).length };
    }),
  );
};

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

if (require.main === module) {
  const started = performance.now();
  buildConsole().then(
    (sizes) =>
      console.log(
        `web console built in ${Math.round(performance.now() - started)} ms: dist/console (${sizes.map((s) => `${s.file} ${kib(s.bytes)}, ${kib(s.gzipBytes)} gzipped`).join("; ")})`,
      ),
    (err: Error) => {
      console.error(`web console build failed: ${err.message}`);
      process.exit(1);
    },
  );
}
