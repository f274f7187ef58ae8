/** `npm start`: all four services in one process, for local use. */
import { SERVICE_NAMES } from "./shared/contract";
import { runUntilSignalled } from "./host";

// The services share this process: their own work must not read as the entrypoint's event-loop
// lag. The adaptive cap on writes in progress stays on: it reacts to answers that take long.
process.env.SHED_MAX_LAG_MS ??= "0";
// Local mode: webhooks may point at a receiver on this machine (http, loopback); the stack sets "false".
process.env.WEBHOOK_ALLOW_PRIVATE ??= "true";
void runUntilSignalled(SERVICE_NAMES);
