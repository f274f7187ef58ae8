/** The `cpctl` bin (scripts/build-cli.ts bundles this file and everything it imports; cpctl.cjs runs it under tsx). */
import { runCli } from "./main";

// `cpctl … | head` closes stdout early: that is the reader's choice, not an error to report.
for (const stream of [process.stdout, process.stderr]) stream.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" ? process.exit(process.exitCode ?? 0) : undefined));

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
