import { existsSync } from "node:fs";
import path from "node:path";
import express, { Router } from "express";
import { CONSOLE_ASSETS_PATH, CONSOLE_PATH } from "../../contract";
import { findConsoleDir } from "./console-files";

/**
 * The console's own Content-Security-Policy, tighter than "no inline anything": scripts,
 * styles and API calls from this origin only; no frames, forms posting elsewhere, or plugins.
 * The JSON API keeps its `default-src 'none'`.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * `GET /` serves the web console (a static page and two bundled files), same origin as the
 * API, which it calls with the user's token. The page holds no data, so no authentication here.
 */
export const consoleRoutes = (dir = findConsoleDir()): Router => {
  const r = Router();
  const setCsp: express.RequestHandler = (_req, res, next) => {
    res.set("Content-Security-Policy", CONSOLE_CSP);
    next();
  };
  r.get(CONSOLE_PATH, setCsp, (_req, res) => {
    const index = path.join(dir, "index.html");
    if (!existsSync(index)) {
      res.status(503).type("text/plain").send("The web console is not built here: run `npm run build:console` (npm start and npm run build do it).\n");
      return;
    }
    res.sendFile(index);
  });
  r.use(CONSOLE_ASSETS_PATH, setCsp, express.static(path.join(dir, "assets"), { index: false, fallthrough: false, dotfiles: "deny" }));
  return r;
};
