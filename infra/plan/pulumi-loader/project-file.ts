import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { fitsConfigType, fullTypeName, type ConfigItemsType, type ConfigTypeName } from "./config-value";
import { PulumiLoaderError } from "./loader-error";
import { PROJECT_SCHEMA } from "./project-schema";

/** One key of the project file's `config` block, after the CLI's shorthand rewrite. */
export interface ProjectConfigDeclaration {
  type?: ConfigTypeName;
  items?: ConfigItemsType;
  description?: string;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

export interface PulumiProject {
  name: string;
  /** In file order (the CLI keeps a Go map; it reports the first refusal it meets). */
  config: Record<string, ProjectConfigDeclaration>;
}

const validateSchema = new Ajv2020({ allErrors: true, strict: false }).compile(PROJECT_SCHEMA);

/** Our rendering of `configKeyIsNamespacedByProject` (project.go). */
export const isProjectKey = (projectName: string, key: string): boolean => !key.includes(":") || key.startsWith(`${projectName}:`);

/**
 * Load Pulumi.yaml as the CLI does before it runs anything, in the same order, with its
 * messages: pulumi/pulumi@v3.247.0:sdk/go/common/workspace/loaders.go `LoadProjectBytes` →
 * project.go `ValidateProject` (name, then the JSON schema), `RewriteConfigPathIntoStackConfigDir`,
 * `RewriteShorthandConfigValues`, `Project.Validate`.
 */
export const loadProjectFile = (text: string, file = "Pulumi.yaml"): PulumiProject => {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new PulumiLoaderError(`could not unmarshal '${file}': ${(err as Error).message}`, file);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new PulumiLoaderError(`could not validate '${file}': expected project to be an object, was '${Array.isArray(raw) ? "[]interface {}" : typeof raw}'`, file);
  }
  const project = raw as Record<string, unknown>;
  if (!("name" in project)) throw new PulumiLoaderError(`could not validate '${file}': project is missing a 'name' attribute`, file);
  if (typeof project.name !== "string" || project.name === "") {
    throw new PulumiLoaderError(`could not validate '${file}': project is missing a non-empty string 'name' attribute`, file);
  }
  if (!validateSchema(project)) {
    // The CLI's JSON-schema library words these differently; the paths and the refusal are the same.
    const problems = (validateSchema.errors ?? []).map((e) => `#${e.instancePath}: ${e.message}`);
    throw new PulumiLoaderError(`could not validate '${file}': ${[...new Set(problems)].join("; ")}`, file);
  }
  if (typeof project.config === "string" && "stackConfigDir" in project) {
    throw new PulumiLoaderError("Should not use both config and stackConfigDir to define the stack directory. Use only stackConfigDir instead.", file);
  }
  const name = project.name;
  const config: Record<string, ProjectConfigDeclaration> = {};
  const block = project.config && typeof project.config === "object" ? (project.config as Record<string, unknown>) : {};
  for (const [key, decl] of Object.entries(block)) {
    // Shorthand: a plain value is a default for a project key and a value for a provider's key.
    const shorthand = decl === null || typeof decl !== "object" || Array.isArray(decl);
    config[key] = shorthand ? (isProjectKey(name, key) ? { default: decl } : { value: decl }) : (decl as ProjectConfigDeclaration);
  }
  const refusal = firstRefusal(name, config);
  if (refusal) throw new PulumiLoaderError(`could not unmarshal '${file}': ${refusal}`, file);
  return { name, config };
};

/** `Project.Validate` (project.go), rule by rule, with the CLI's messages. */
const firstRefusal = (projectName: string, config: Record<string, ProjectConfigDeclaration>): string | undefined => {
  for (const [key, decl] of Object.entries(config)) {
    const hasDefault = decl.default !== undefined && decl.default !== null;
    const hasValue = decl.value !== undefined && decl.value !== null;
    if (hasDefault && hasValue) return `project config '${key}' cannot have both a 'default' and 'value' attribute`;
    if (isProjectKey(projectName, key)) {
      if (decl.type === "array" && !decl.items) return `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`;
      if (decl.type && hasDefault && !fitsConfigType(decl.type, decl.items, decl.default)) {
        return `The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(decl.type, decl.items)}'`;
      }
    } else {
      if (decl.type) return `Configuration key '${key}' is not namespaced by the project and should not define a type`;
      if (hasDefault) return `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`;
      if (!hasValue) return `Configuration key '${key}' is namespaced and must provide an attribute 'value'`;
    }
  }
  return undefined;
};
