/**
 * The shape of a Pulumi project file, as a JSON Schema (draft 2020-12), written by us from the
 * CLI's embedded schema `pulumi/pulumi@v3.247.0:sdk/go/common/workspace/project.json`, which
 * `ValidateProject` (`sdk/go/common/workspace/project.go`) checks before anything else. Only
 * what that schema constrains is expressed here; unknown top-level keys are allowed there too.
 */
const nullable = (type: string) => ({ type: [type, "null"] });

const configTypeName = { enum: ["string", "integer", "boolean", "array", "object"] };

/** `items` of an array-typed key: a type, and `items` again when that type is an array. */
const configItems = {
  type: "object",
  required: ["type"],
  properties: { type: { oneOf: [configTypeName, { $ref: "#/$defs/configItems" }] }, items: { $ref: "#/$defs/configItems" } },
  if: { properties: { type: { const: "array" } } },
  then: { required: ["items"] },
};

/** A declared config key: only these attributes are accepted. */
const configDeclaration = {
  type: "object",
  additionalProperties: false,
  properties: {
    type: configTypeName,
    items: { $ref: "#/$defs/configItems" },
    description: { type: "string" },
    secret: { type: "boolean" },
    default: {},
    value: {},
  },
};

export const PROJECT_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["name"],
  additionalProperties: true,
  properties: {
    name: { type: "string", minLength: 1 },
    description: nullable("string"),
    author: nullable("string"),
    website: nullable("string"),
    license: nullable("string"),
    main: nullable("string"),
    stackConfigDir: nullable("string"),
    runtime: {
      oneOf: [
        { type: "string", minLength: 1 },
        { type: "object", additionalProperties: false, properties: { name: { type: "string", minLength: 1 }, options: { type: "object" } } },
      ],
    },
    config: {
      type: ["object", "string", "null"],
      properties: { secret: { type: "boolean" } },
      // A shorthand value (string, integer, boolean, list) or a declaration.
      additionalProperties: { oneOf: [{ type: "string" }, { type: "integer" }, { type: "boolean" }, { type: "array" }, { $ref: "#/$defs/configDeclaration" }] },
    },
    backend: { type: ["object", "null"], additionalProperties: false, properties: { url: { type: "string" } } },
    options: { type: ["object", "null"], additionalProperties: false, properties: { refresh: { const: "always" } } },
  },
  $defs: { configItems, configDeclaration },
} as const;
