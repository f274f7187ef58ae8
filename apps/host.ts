import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SERVICE_ENV, TIMINGS, type ServiceEnv, type ServiceName } from "./shared/contract";
import { parseEnv } from "./shared/config/parse-env";
import { buildHttpApp, closeServer, listen } from "./shared/http/http-server";
import { createLogger, type Logger } from "./shared/logging/logger";
import type { ServiceHandle } from "./shared/runtime/service-handle";

type Starter<S extends ServiceName> = (env: ServiceEnv<S>, logger: Logger) => Promise<ServiceHandle>;

// Loaded on demand: a pod running one service does not load the others' dependencies
// (Kubernetes models and client, GCS client, ...), which saves memory per pod.
const STARTERS: { [S in ServiceName]: () => Promise<Starter<S>> } = {
  entrypoint: async () => (await import("./entrypoint/service")).startEntrypoint,
  "yaml-manager": async () => (await import("./yaml-manager/service")).startYamlManager,
  "cluster-applier": async () => (await import("./cluster-applier/service")).startClusterApplier,
  "status-worker": async () => (await import("./status-worker/service")).startStatusWorker,
};

export interface Host {
  url: string;
  server: Server;
  services: ServiceHandle[];
  stop(): Promise<void>;
}

/**
 * Start some services in this process behind one HTTP server. A pod runs one service;
 * `npm start` runs all four. Services still talk only through RabbitMQ either way.
 */
export const startHost = async (names: ServiceName[], rawEnv: Record<string, string | undefined> = process.env): Promise<Host> => {
  // Every env is parsed before anything starts, so a bad variable stops us at once.
  const envs = names.map((n) => [n, parseEnv(SERVICE_ENV[n], rawEnv)] as const);
  const services: ServiceHandle[] = [];
  const stopAll = async () => {
    for (const s of [...services].reverse()) await s.stop().catch(() => undefined);
  };
  try {
    for (const [name, env] of envs) {
      // Say what is happening: loading code is most of the start-up (see README, "Two commands").
      const logger = createLogger(name, env.LOG_LEVEL);
      const began = performance.now();
      logger.info("loading code");
      const start = (await STARTERS[name]()) as (e: typeof env, l: Logger) => Promise<ServiceHandle>;
      const loaded = performance.now();
      logger.info({ ms: Math.round(loaded - began) }, "connecting to RabbitMQ, Redis and storage");
      services.push(await start(env, logger));
      logger.info({ ms: Math.round(performance.now() - loaded) }, "started");
    }
    const { HOST, PORT, LOG_LEVEL, TRUSTED_PROXY_HOPS } = envs[0]![1];
    const logger = createLogger(names.join("+"), LOG_LEVEL);
    const gates = services.flatMap((s) => s.gates ?? []);
    const server = await listen(buildHttpApp(services, logger, TRUSTED_PROXY_HOPS), PORT, HOST, gates);
    const { port } = server.address() as AddressInfo;
    const url = `http://${HOST.includes(":") ? `[${HOST}]` : HOST}:${port}`;
    logger.info({ url, services: names }, "listening");
    return {
      url,
      server,
      services,
      // Stop taking requests, finish the ones in flight, then drain the consumers.
      stop: async () => {
        const closing = closeServer(server);
        for (const s of services) s.closeStreams?.();
        await closing;
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
};

/** Run until SIGTERM/SIGINT, then shut down gracefully within the pod's grace period. */
export const runUntilSignalled = async (names: ServiceName[]): Promise<void> => {
  const log = createLogger(names.join("+"));
  let host: Host;
  try {
    host = await startHost(names);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, "could not start");
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: draining in-flight work");
    // Inside the pod's grace period (both from the contract), so we exit on our own terms.
    const deadline = setTimeout(() => {
      log.error("drain took too long; exiting");
      process.exit(1);
    }, TIMINGS.shutdownDeadlineMs);
    deadline.unref();
    host.stop().then(
      () => {
        log.info("stopped cleanly");
        process.exit(0);
      },
      (err: Error) => {
        log.error({ err: err.message }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
};
