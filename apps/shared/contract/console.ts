/**
 * Where the web console lives: the public API serves it (the entrypoint), and the Gateway must
 * send these paths there with the rest of the API.
 */
export const CONSOLE_PATH = "/";
export const CONSOLE_ASSETS_PATH = "/console";
