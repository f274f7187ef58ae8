/** `npm start`: all four services in one process, for local use. */
import { SERVICE_NAMES } from "./shared/contract";
import { runUntilSignalled } from "./host";

// The services share this process: their own work must not read as the entrypoint's overload.
process.env.SHED_MAX_LAG_MS ??= "0";
void runUntilSignalled(SERVICE_NAMES);
