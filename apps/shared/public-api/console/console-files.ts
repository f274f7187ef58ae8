import { existsSync } from "node:fs";
import path from "node:path";

/** Where `npm run build:console` writes the web console, below the project root. */
export const CONSOLE_BUILD_DIR = path.join("dist", "console");

/**
 * The built console of this installation: the nearest folder above this file that holds
 * `dist/console` (the checkout under tsx, `/app` in the image, where the code runs from
 * `dist/apps/...`). Workspaces have package.json files of their own (apps/), so the project
 * root is found by the build output, not by package.json. No setting: the server and its
 * console are built and shipped together.
 */
export const findConsoleDir = (from = __dirname): string => {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONSOLE_BUILD_DIR);
    if (existsSync(path.join(candidate, "index.html"))) return candidate;
    if (path.dirname(dir) === dir) return path.join(process.cwd(), CONSOLE_BUILD_DIR);
  }
};
