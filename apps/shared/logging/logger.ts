import pino, { type Logger } from "pino";

export type { Logger };

// Cloud Logging reads `severity`; pino's numeric level alone would show as DEFAULT.
const SEVERITY: Record<string, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

/** JSON logs to stdout; one child logger per service, and per job where there is one. */
export const createLogger = (service: string, level = process.env.LOG_LEVEL ?? "info"): Logger =>
  pino({
    level,
    base: { service },
    messageKey: "message",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label, severity: SEVERITY[label] ?? "DEFAULT" }) },
    // Manifests may carry Secrets: never log bodies or tokens.
    redact: { paths: ["body", "manifests", "req.headers.authorization", "*.data", "*.stringData"], remove: true },
  });
