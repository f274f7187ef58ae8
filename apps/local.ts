/** `npm start`: all four services in one process, for local use. */
import { SERVICE_NAMES } from "./shared/contract";
import { runUntilSignalled } from "./host";

void runUntilSignalled(SERVICE_NAMES);
