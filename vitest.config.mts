import { randomBytes } from "node:crypto";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policies/**/*.test.ts"],
    // Run alone, after this suite, by vitest.faults.config.mts.
    exclude: ["test/faults/**", "test/apps/noisy-neighbour.test.ts", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file uses its own broker/Redis prefix, so files may run in parallel.
    pool: "forks",
    // Two at a time even on a 2-core machine (vitest's default there is one): most files wait on
    // the broker, Redis, child processes or Chromium, not the CPU. The main suite took 496 s with
    // one worker and 274 s with two, all passing, on this machine.
    maxWorkers: 2,
    // The services refuse to start without WEBHOOK_SECRET_KEY: one random key per run (never one
    // kept in the repository), in process.env for the services tests spawn as processes of their
    // own (32 bytes: WEBHOOK_SECRET_KEY_BYTES). startTestStack makes one per stack. https://vitest.dev/config/env
    env: { WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64") },
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/vitest.json" },
  },
});
