import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policies/**/*.test.ts"],
    exclude: ["test/faults/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file uses its own broker/Redis prefix, so files may run in parallel.
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/vitest.json" },
  },
});
