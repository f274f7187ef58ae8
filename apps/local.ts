/** `npm start`: all four services in one process, for local use. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SERVICE_ENV, SERVICE_NAMES } from "./shared/contract";
import { newWebhookSecretKey } from "./shared/webhooks/secret-box";
import { runUntilSignalled } from "./host";

/**
 * The key webhook secrets are encrypted with in Redis, kept beside the local data
 * (`<DATA_DIR>/.webhook-secret-key`, readable by the owner only) so that webhooks registered in
 * one run still sign in the next. Made on the first run; a stack gets its own from Pulumi.
 */
const localWebhookSecretKey = (dir: string): string => {
  const file = path.join(dir, ".webhook-secret-key");
  const read = () => readFileSync(file, "utf8").trim();
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(file, `${newWebhookSecretKey()}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another run made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return read();
};

// The services share this process: their own work must not read as the entrypoint's event-loop
// lag. The adaptive cap on writes in progress stays on: it reacts to answers that take long.
process.env.SHED_MAX_LAG_MS ??= "0";
// Local mode: webhooks may point at a receiver on this machine (http, loopback); the stack sets "false".
process.env.WEBHOOK_ALLOW_PRIVATE ??= "true";
process.env.WEBHOOK_SECRET_KEY ??= localWebhookSecretKey(SERVICE_ENV.entrypoint.shape.DATA_DIR.parse(process.env.DATA_DIR));
void runUntilSignalled(SERVICE_NAMES);
