import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { CliError, EXIT } from "./exit-codes";

export const DEFAULT_API = "http://127.0.0.1:8080";

const Profile = z.object({ api: z.url().optional(), token: z.string().min(1).optional() });
const ConfigFile = z.object({
  "current-profile": z.string().optional(),
  profiles: z.record(z.string(), Profile).default({}),
});

export interface Settings {
  api: string;
  token?: string;
}

export const configPath = (env: NodeJS.ProcessEnv) => env.CPCTL_CONFIG ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config"), "cpctl", "config.yaml");

/**
 * Where to call and as whom: flags override the environment (CP_API_URL, CP_TOKEN,
 * CP_PROFILE), which overrides the config file's profile (`current-profile`, or --profile).
 */
export const resolveSettings = (flags: { api?: string; token?: string; profile?: string }, env: NodeJS.ProcessEnv = process.env): Settings => {
  const file = configPath(env);
  let profile: z.infer<typeof Profile> = {};
  if (existsSync(file)) {
    let parsed: z.infer<typeof ConfigFile>;
    try {
      parsed = ConfigFile.parse(parse(readFileSync(file, "utf8")) ?? {});
    } catch (err) {
      throw new CliError(`config file ${file} is not valid: ${(err as Error).message.split("\n")[0]}`, EXIT.usage);
    }
    const name = flags.profile ?? env.CP_PROFILE ?? parsed["current-profile"];
    if (name !== undefined) {
      const found = parsed.profiles[name];
      if (!found) throw new CliError(`no profile "${name}" in ${file} (profiles: ${Object.keys(parsed.profiles).join(", ") || "none"})`, EXIT.usage);
      profile = found;
    }
  } else if (flags.profile ?? env.CP_PROFILE) {
    throw new CliError(`profile "${flags.profile ?? env.CP_PROFILE}" asked for, but there is no config file at ${file}`, EXIT.usage);
  }
  const api = flags.api ?? env.CP_API_URL ?? profile.api ?? DEFAULT_API;
  if (!URL.canParse(api)) throw new CliError(`--api ${JSON.stringify(api)} is not a URL such as ${DEFAULT_API}`, EXIT.usage);
  const token = flags.token ?? env.CP_TOKEN ?? profile.token;
  return { api, ...(token ? { token } : {}) };
};
