import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { CliError, EXIT } from "./exit-codes";

export const DEFAULT_API = "http://127.0.0.1:8080";

/** Strict: a misspelt key (`tokn:`) is an error, not silently dropped. */
const Profile = z.strictObject({ api: z.url({ protocol: /^https?$/ }).optional(), token: z.string().min(1).optional() });
const ConfigFile = z.strictObject({
  "current-profile": z.string().optional(),
  profiles: z.record(z.string(), Profile).default({}),
});

export interface Settings {
  api: string;
  token?: string;
  /** Where the token came from (`--token`, `CP_TOKEN`, a profile), for the message of a refused one. */
  tokenFrom?: string;
}

export const configPath = (env: NodeJS.ProcessEnv) => env.CPCTL_CONFIG ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config"), "cpctl", "config.yaml");

/**
 * Where to call and as whom: flags override the environment (CP_API_URL, CP_TOKEN,
 * CP_PROFILE), which overrides the config file's profile (`current-profile`, or --profile).
 */
export const resolveSettings = (flags: { api?: string; token?: string; profile?: string }, env: NodeJS.ProcessEnv = process.env): Settings => {
  const file = configPath(env);
  let profile: z.infer<typeof Profile> = {};
  let profileName: string | undefined;
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = parse(readFileSync(file, "utf8")) ?? {};
    } catch (err) {
      throw new CliError(`config file ${file} is not valid YAML: ${(err as Error).message.split("\n")[0]} (fix it, or point CPCTL_CONFIG at another file)`, EXIT.usage);
    }
    const checked = ConfigFile.safeParse(raw);
    // zod's own rendering keeps each field's path and reason (one "✖ reason → at path" per issue).
    if (!checked.success) throw new CliError(`config file ${file} is not valid (fix it, or point CPCTL_CONFIG at another file):\n${z.prettifyError(checked.error)}`, EXIT.usage);
    const parsed = checked.data;
    const name = flags.profile ?? env.CP_PROFILE ?? parsed["current-profile"];
    if (name !== undefined) {
      const found = parsed.profiles[name];
      if (!found) throw new CliError(`no profile "${name}" in ${file} (profiles: ${Object.keys(parsed.profiles).join(", ") || "none"})`, EXIT.usage);
      profile = found;
      profileName = name;
    }
  } else if (flags.profile ?? env.CP_PROFILE) {
    throw new CliError(`profile "${flags.profile ?? env.CP_PROFILE}" asked for, but there is no config file at ${file}`, EXIT.usage);
  }
  const [api, apiFrom] =
    flags.api !== undefined
      ? [flags.api, "--api"]
      : env.CP_API_URL !== undefined
        ? [env.CP_API_URL, "CP_API_URL"]
        : profile.api !== undefined
          ? [profile.api, `the api of profile "${profileName}" in ${file}`]
          : [DEFAULT_API, "the default API"];
  // `localhost:8080` parses as a URL of scheme "localhost:": only http(s) is an API address.
  const scheme = URL.canParse(api) ? new URL(api).protocol : undefined;
  if (scheme !== "http:" && scheme !== "https:") {
    throw new CliError(`${apiFrom} ${JSON.stringify(api)} is not an http(s) URL: write it with its scheme, e.g. http://${api.replace(/^[a-z]+:\/\//i, "")} or ${DEFAULT_API}`, EXIT.usage);
  }
  const token = flags.token ?? env.CP_TOKEN ?? profile.token;
  const tokenFrom = flags.token ? "--token" : env.CP_TOKEN ? "CP_TOKEN" : profile.token ? `profile "${profileName}" of ${file}` : undefined;
  return { api, ...(token ? { token, tokenFrom: tokenFrom! } : {}) };
};
