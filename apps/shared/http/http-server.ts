import { createServer, type Server, type ServerResponse } from "node:http";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import helmet from "helmet";
import { HEALTH_PATH, METRICS_PATH, READY_PATH, TIMINGS } from "../contract";
import { AppError, DependencyDownError } from "../errors/app-error";
import type { Logger } from "../logging/logger";
import { httpRequestSeconds, registry } from "../metrics/metrics";
import type { ServiceHandle } from "../runtime/service-handle";
import type { Gate } from "./load-shedder";

/** One HTTP server for one or more services: their routes plus health, readiness, metrics. */
export const buildHttpApp = (services: ServiceHandle[], logger: Logger, trustedProxyHops = 0): Express => {
  const app = express();
  app.disable("x-powered-by");
  // req.ip: with n hops, the socket's peer and the last n-1 X-Forwarded-For entries are our
  // proxies and the entry before them is the client (https://expressjs.com/en/guide/behind-proxies.html).
  app.set("trust proxy", trustedProxyHops > 0 ? trustedProxyHops : false);
  // A JSON API: no content should ever be rendered, framed or cached by a browser.
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  app.use((_req, res, next) => {
    res.set("Cache-Control", "no-store");
    next();
  });
  const serviceLabel = services.map((s) => s.name).join("+");

  const observe: RequestHandler = (req, res, next) => {
    const end = httpRequestSeconds.startTimer({ service: serviceLabel, method: req.method });
    res.on("finish", () => end({ route: req.route?.path ?? "unmatched", code: res.statusCode }));
    next();
  };
  app.use(observe);

  // Liveness says only that the process answers: restarting us would not fix a dependency.
  app.get(HEALTH_PATH, (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get(READY_PATH, async (_req, res) => {
    const checks = services.flatMap((s) => s.readiness);
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          await withTimeout(c.check(), 2000);
          return [c.name, "ok"] as const;
        } catch (err) {
          return [c.name, (err as Error).message] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r === "ok");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) });
  });
  app.get(METRICS_PATH, async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  for (const s of services) if (s.routes) app.use(s.routes);

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(logger));
  return app;
};

/** Every error becomes JSON with a message that says what to do; 5xx details stay in logs. */
export const errorHandler =
  (logger: Logger): ErrorRequestHandler =>
  (err, req, res, _next) => {
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = err instanceof AppError ? err.status : (e.status ?? e.statusCode ?? 500);
    if (status >= 500) logger.error({ err: e.message, path: req.path }, "request failed");
    if (res.headersSent) return;
    const retryAfter = err instanceof AppError ? err.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) res.set("Retry-After", String(retryAfter));
    else if (status === 503) res.set("Retry-After", "5");
    // A dependency's own message can name internal addresses: it stays in the log.
    const message = err instanceof DependencyDownError ? `${err.dependency === "redis" ? "the job store" : err.dependency} is unavailable; retry later` : e.message;
    const body: Record<string, unknown> = {
      error: status >= 500 && !(err instanceof AppError) ? "internal error" : (message ?? "error"),
    };
    if (err instanceof AppError && err.details !== undefined) body.details = err.details;
    res.status(status).json(body);
  };

export const listen = (app: Express, port: number, host: string, gates: Gate[] = []): Promise<Server> =>
  new Promise((resolve, reject) => {
    // Node checks headersTimeout and requestTimeout only every connectionsCheckingInterval
    // (30 s by default): check every second so slow headers are cut at 10 s as promised.
    const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
      reportServerTime(res);
      for (const gate of gates) if (gate(req, res)) return;
      app(req, res);
    });
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
    // Longer than clients' and load balancers' idle timeouts, so the server is never the side
    // that closes a kept-alive socket while a request is on its way (the client would see a
    // reset). Idle sockets are closed at shutdown anyway.
    server.keepAliveTimeout = 65_000;
    // Slow clients cannot hold connections: headers within 10 s, the whole request within 30 s.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
  });

/**
 * `Server-Timing: app;dur=<ms>` on every answer: the time from reading the request to the
 * answer, so a client (or a load test) can tell our time from the network's and its own.
 */
const reportServerTime = (res: ServerResponse) => {
  const t0 = performance.now();
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent) this.setHeader("Server-Timing", `app;dur=${(performance.now() - t0).toFixed(1)}`);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
};

/**
 * Stop accepting connections and wait for in-flight requests to finish. Connections that
 * finish a request during shutdown become idle and would otherwise linger for the whole
 * keep-alive timeout, so idle ones are closed as they appear.
 */
export const closeServer = (server: Server, graceMs: number = TIMINGS.requestDrainMs): Promise<void> =>
  new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    // A request that outlives the grace (a client that never reads, a stuck dependency) is cut.
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err) => {
        clearTimeout(t);
        reject(err);
      },
    );
  });
