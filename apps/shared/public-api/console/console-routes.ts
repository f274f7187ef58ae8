import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
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

/** Where index.html carries the nonce of its own response (the editor's style elements need it). */
export const NONCE_PLACEHOLDER = "__CSP_NONCE__";

/**
 * The page's CSP: CONSOLE_CSP, its styles also allowing elements with this response's nonce.
 * The code editor (CodeMirror 6, through style-mod) writes its theme into <style> elements and
 * hands them the nonce it reads from the page (its `EditorView.cspNonce` facet); scripts stay
 * same-origin files only. A fresh nonce per response (CSP 3, "nonce-source"): 128 random bits.
 */
export const consoleCsp = (nonce: string) => CONSOLE_CSP.replace("style-src 'self'", `style-src 'self' 'nonce-${nonce}'`);

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
  r.get(CONSOLE_PATH, (_req, res) => {
    const index = path.join(dir, "index.html");
    if (!existsSync(index)) {
      res.set("Content-Security-Policy", CONSOLE_CSP);
      res.status(503).type("text/plain").send("The web console is not built here: run `npm run build:console` (npm start and npm run build do it).\n");
      return;
    }
    const page = readFileSync(index, "utf8");
    const nonce = randomBytes(16).toString("base64");
    // Per response, so never cached: each copy carries its own nonce.
    res.set({ "Content-Security-Policy": consoleCsp(nonce), "Cache-Control": "no-store" });
    res.type("html").send(page.replaceAll(NONCE_PLACEHOLDER, nonce));
  });
  r.use(CONSOLE_ASSETS_PATH, setCsp, express.static(path.join(dir, "assets"), { index: false, fallthrough: false, dotfiles: "deny" }));
  return r;
};
