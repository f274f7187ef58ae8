import Ajv from "ajv";
import { PulumiLoaderError } from "./loader-error";

/** What the engine learns of each policy from the pack (`GetAnalyzerInfo`). */
export interface PackPolicy {
  name: string;
  configSchema?: { properties?: Record<string, unknown>; required?: string[] };
}

const LEVELS = new Set(["advisory", "mandatory", "remediate", "disabled"]); // apitype/policy.go EnforcementLevel

interface PolicyConfig {
  level?: string;
  properties?: Record<string, unknown>;
}

/** `parsePolicyPackConfig` (pulumi/pulumi@v3.247.0:pkg/resource/analyzer/config.go), with its messages. */
const parseConfigFile = (text: string): Map<string, PolicyConfig> => {
  const result = new Map<string, PolicyConfig>();
  if (text.trim() === "") return result;
  const config = JSON.parse(text) as Record<string, unknown>;
  delete config.environments; // ESC environment references; none here
  for (const [name, v] of Object.entries(config)) {
    if (typeof v === "string") {
      if (!LEVELS.has(v)) throw new Error(`parsing enforcement level for "${name}": "${v}" is not a valid enforcement level`);
      result.set(name, { level: v });
    } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const { enforcementLevel, ...properties } = v as Record<string, unknown>;
      if (enforcementLevel !== undefined && (typeof enforcementLevel !== "string" || !LEVELS.has(enforcementLevel))) {
        throw new Error(`parsing enforcement level for "${name}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`);
      }
      result.set(name, { level: enforcementLevel as string | undefined, properties });
    } else {
      throw new Error(`parsing "${name}": ${JSON.stringify(v)} is not a valid value; must be a string or object`);
    }
  }
  return result;
};

// The CLI validates with gojsonschema (JSON Schema draft 4/6/7); ajv's default draft is 7.
const ajv = new Ajv({ allErrors: true, strict: false });

/**
 * Check a `--policy-pack-config` file as the engine does before it runs the program
 * (pulumi/pulumi@v3.247.0:pkg/engine/update.go → analyzer/config.go `ReconcilePolicyPackConfig`):
 * each policy's schema defaults, then the file's properties, validated against
 * `{type: object, properties, required}` of that policy. Failure reads as the CLI's
 * `validating policy config for "<pack>": <policy>: <problem>; …` (problem wording is ajv's).
 * Names of policies the pack does not have are ignored by the CLI; we return them as warnings,
 * since such a setting silently does nothing.
 */
export const checkPolicyPackConfig = (packName: string, policies: PackPolicy[], text: string, file: string): { unknownPolicies: string[] } => {
  let given: Map<string, PolicyConfig>;
  try {
    given = parseConfigFile(text);
  } catch (err) {
    throw new PulumiLoaderError((err as Error).message, file);
  }
  const problems: string[] = [];
  for (const policy of policies) {
    if (!policy.configSchema) continue;
    const defaults = Object.fromEntries(
      Object.entries(policy.configSchema.properties ?? {}).flatMap(([k, s]) => (s && typeof s === "object" && "default" in s ? [[k, (s as { default: unknown }).default]] : [])),
    );
    const props = { ...defaults, ...(given.get(policy.name)?.properties ?? {}) };
    const schema = { type: "object", properties: policy.configSchema.properties ?? {}, ...(policy.configSchema.required?.length ? { required: policy.configSchema.required } : {}) };
    const validate = ajv.compile(schema);
    if (!validate(props)) for (const e of validate.errors ?? []) problems.push(`${policy.name}: ${e.instancePath ? `${e.instancePath.slice(1)}: ` : ""}${e.message}`);
  }
  if (problems.length > 0) throw new PulumiLoaderError(`validating policy config for "${packName}": ${problems.sort().join("; ")}`, file);
  const known = new Set(policies.map((p) => p.name));
  return { unknownPolicies: [...given.keys()].filter((n) => n !== "all" && !known.has(n)) };
};
