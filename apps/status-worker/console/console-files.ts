import { existsSync } from "node:fs";
import path from "node:path";

/** Where `npm run build:console` writes the web console, below the project root. */
export const CONSOLE_BUILD_DIR = path.join("dist", "console");

/**
 * The built console of this installation: the nearest folder above this file that holds a
 * package.json (the checkout under tsx, `/app` in the image), then `dist/console`. No setting:
 * the server and its console are built and shipped together.
 */
export const findConsoleDir = (from = __dirname): string => {
  let dir = from;
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) return path.join(from, CONSOLE_BUILD_DIR);
    dir = up;
  }
  return path.join(dir, CONSOLE_BUILD_DIR);
};
