import { randomBytes } from "node:crypto";
import { defineConfig } from "vitest/config";

// Fault tests stop and start the machine's shared RabbitMQ (and load the machine hard), so
// they run after the main suite, one file at a time. So does the noisy-neighbour test: it
// compares p99s under attack with its own quiet baseline, which another test file running beside
// it (the main suite runs two at a time) would skew between the two phases.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts", "test/apps/noisy-neighbour.test.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The services refuse to start without WEBHOOK_SECRET_KEY: one random key per run (never one
    // kept in the repository), in process.env for the services tests spawn as processes of their
    // own (32 bytes: WEBHOOK_SECRET_KEY_BYTES). startTestStack makes one per stack. https://vitest.dev/config/env
    env: { WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64") },
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/faults.json" },
  },
});
