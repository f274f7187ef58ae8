import path from "node:path";

/**
 * Where `npm run bench` writes its results: a folder git ignores, so a run leaves the checkout
 * clean. The tables in docs/testing.md ("Benchmark") hold the published figures.
 */
export const RESULTS_FILE = path.join(__dirname, "..", ".bench", "results.json");
