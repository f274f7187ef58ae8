#!/usr/bin/env node
// `npm run cpctl` in a checkout: the TypeScript sources through tsx (a development dependency).
// The installable bin is the bundle scripts/build-cli.ts writes (apps/cli/package.json).
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point by design */
require("tsx/cjs");
require("./bin.ts");
