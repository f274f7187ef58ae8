import { parse } from "yaml";
import { fitsConfigType, fullTypeName } from "./config-value";
import { PulumiLoaderError } from "./loader-error";
import type { PulumiProject } from "./project-file";

/** The config a program receives from the engine: `namespace:key` → text (JSON for structures). */
export interface EngineConfig {
  values: Record<string, string>;
  /** Keys whose stack value is encrypted (`secure:`): the program sees them as secrets. */
  secretKeys: string[];
}

/**
 * What an offline run puts where the CLI would put a decrypted secret: no secrets provider
 * runs here, so the real value is unknowable (see docs/operator-guide.md, "What the offline plan proves").
 */
export const OFFLINE_SECRET = "[secret: set in the stack, not decryptable offline]";

interface StackValue {
  text: string;
  /** A map or list in the file: the program gets JSON. */
  object: boolean;
  secure: boolean;
}

const isSecure = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";
const containsSecure = (v: unknown): boolean => isSecure(v) || (v !== null && typeof v === "object" && Object.values(v).some(containsSecure));

/** `config.ParseKey` (pulumi/pulumi@v3.247.0:sdk/go/common/resource/config/key.go). */
const parseKey = (projectName: string, key: string, file: string): string => {
  const colons = key.split(":").length - 1;
  if (colons === 0) return `${projectName}:${key}`;
  if (colons === 1) return key;
  const [ns, module, name] = key.split(":");
  if (colons === 2 && module === "config") return `${ns}:${name}`;
  throw new PulumiLoaderError(`could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`, file);
};

const toStackValue = (v: unknown): StackValue => {
  if (isSecure(v)) return { text: OFFLINE_SECRET, object: false, secure: true };
  if (v !== null && typeof v === "object") return { text: JSON.stringify(v), object: true, secure: containsSecure(v) };
  return { text: v === null || v === undefined ? "" : String(v), object: false, secure: false };
};

/** `formatMissingKeys` (sdk/go/common/workspace/config.go): 'a', 'b' and 'c'. */
const formatMissing = (keys: string[]): string => {
  if (keys.length === 1) return `'${keys[0]}'`;
  const sorted = [...keys].sort();
  return `${sorted.slice(0, -1).map((k) => `'${k}'`).join(", ")} and '${sorted.at(-1)}'`;
};

/**
 * Read Pulumi.<stack>.yaml and merge the project's declarations into it the way the CLI does
 * before `preview`/`up` start the program: pulumi/pulumi@v3.247.0:sdk/go/common/workspace/
 * loaders.go `LoadProjectStack(Bytes)` (no file means an empty config; keys without a namespace
 * get the project's), then config.go `mergeConfig` (required project keys, defaults and values
 * applied) and `validateStackConfigValues` (secret and type checks), with the CLI's messages.
 * `text` is undefined when the stack has no file.
 */
export const loadStackConfig = (project: PulumiProject, stack: string, text: string | undefined, file = `Pulumi.${stack}.yaml`): EngineConfig => {
  const doc = text === undefined ? null : (parse(text) as unknown);
  if (doc !== null && (typeof doc !== "object" || Array.isArray(doc))) throw new PulumiLoaderError(`expected project to be an object, was '${typeof doc}'`, file);
  const block = (doc as { config?: unknown } | null)?.config;
  const stackValues = new Map<string, StackValue>();
  if (block !== null && typeof block === "object" && !Array.isArray(block)) {
    for (const [key, v] of Object.entries(block)) stackValues.set(parseKey(project.name, key, file), toStackValue(v));
  }

  const declared = Object.entries(project.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const missing: string[] = [];
  for (const [key, decl] of declared) {
    const full = parseKey(project.name, key, "Pulumi.yaml");
    if (stackValues.has(full)) continue;
    const given = decl.value ?? decl.default;
    if (given === undefined || given === null) {
      if (full.startsWith(`${project.name}:`)) missing.push(key);
      continue;
    }
    stackValues.set(full, toStackValue(given));
  }
  if (missing.length > 0) throw new PulumiLoaderError(`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatMissing(missing)}`, file);

  for (const [key, decl] of declared) {
    if (!decl.type) continue;
    const v = stackValues.get(parseKey(project.name, key, "Pulumi.yaml"));
    if (!v) continue;
    if (decl.secret && !v.secure) throw new PulumiLoaderError(`Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`, file);
    if (v.secure && !v.object) continue; // the CLI checks the decrypted text; offline it is unknowable
    const content: unknown = v.object ? JSON.parse(v.text) : v.text;
    if (!fitsConfigType(decl.type, decl.items, content)) {
      throw new PulumiLoaderError(`Stack '${stack}' with configuration key '${key}' must be of type '${fullTypeName(decl.type, decl.items)}'`, file);
    }
  }

  const values = Object.fromEntries([...stackValues].map(([k, v]) => [k, v.text]));
  const secretKeys = [...stackValues].filter(([, v]) => v.secure).map(([k]) => k);
  return { values, secretKeys };
};
