import { defineConfig } from "vitest/config";

// Fault tests stop and start the machine's shared RabbitMQ (and load the machine hard), so
// they run after the main suite, one file at a time.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/faults.json" },
  },
});
