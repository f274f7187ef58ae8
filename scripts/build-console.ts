/**
 * Bundle the web console (apps/console) into dist/console with esbuild: one script and one
 * stylesheet, no inline code (the page's CSP allows only same-origin files). Runs before
 * `npm start` and in `npm run build`; about a second.
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const ROOT = path.join(__dirname, "..");

export const buildConsole = async (outDir = path.join(ROOT, "dist", "console")): Promise<void> => {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, "assets"), { recursive: true });
  await build({
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
  await copyFile(path.join(ROOT, "apps/console/index.html"), path.join(outDir, "index.html"));
  await copyFile(path.join(ROOT, "apps/console/favicon.svg"), path.join(outDir, "assets", "favicon.svg"));
};

if (require.main === module) {
  const started = performance.now();
  buildConsole().then(
    () => console.log(`web console built in ${Math.round(performance.now() - started)} ms: dist/console`),
    (err: Error) => {
      console.error(`web console build failed: ${err.message}`);
      process.exit(1);
    },
  );
}
