#!/usr/bin/env node
// The `cpctl` bin: runs the TypeScript sources through tsx, so no build step is needed.
/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point by design */
require("tsx/cjs");
const { runCli } = require("./main.ts");
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
