/**
 * Where the web console lives: the status worker serves it, and the Gateway must send these
 * paths to the status worker (with the read API).
 */
export const CONSOLE_PATH = "/";
export const CONSOLE_ASSETS_PATH = "/console";
