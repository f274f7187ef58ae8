/**
 * Bundle cpctl (apps/cli) into one CommonJS file that plain `node` runs: its dependencies
 * (commander, zod, yaml, openapi-fetch, eventsource-parser, log-update) are inside, so the
 * package apps/cli/package.json needs none. `npm run build:cli`, then `npm pack ./apps/cli`.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const ROOT = path.join(__dirname, "..");
export const CLI_OUT = path.join(ROOT, "apps/cli/dist/cpctl.cjs");

export const buildCli = async (outFile = CLI_OUT): Promise<{ file: string; bytes: number }> => {
  await build({
    entryPoints: [path.join(ROOT, "apps/cli/bin.ts")],
    outfile: outFile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "none",
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "warning",
  });
  return { file: outFile, bytes: statSync(outFile).size };
};

if (require.main === module) {
  const started = performance.now();
  buildCli().then(
    ({ file, bytes }) => console.log(`cpctl built in ${Math.round(performance.now() - started)} ms: ${path.relative(ROOT, file)} (${(bytes / 1024).toFixed(0)} KiB)`),
    (err: Error) => {
      console.error(`cpctl build failed: ${err.message}`);
      process.exit(1);
    },
  );
}
