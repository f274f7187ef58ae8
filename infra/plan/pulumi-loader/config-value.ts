/**
 * Does a config value fit a declared type? Our rendering of `ValidateConfigValue` and
 * `InferFullTypeName` in pulumi/pulumi@v3.247.0:sdk/go/common/workspace/project.go. The CLI
 * uses it for a project key's `default` and for each stack's value of a typed key.
 */
export type ConfigTypeName = "string" | "integer" | "boolean" | "array" | "object";

export interface ConfigItemsType {
  type: ConfigTypeName;
  items?: ConfigItemsType;
}

export const fitsConfigType = (type: string | undefined, items: ConfigItemsType | undefined, value: unknown): boolean => {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      // YAML numbers may arrive as floats; whole ones count, and so does text that parses as an integer.
      if (typeof value === "number") return Number.isInteger(value);
      return typeof value === "string" && /^[+-]?\d+$/.test(value);
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      // "array" (and anything else): a list whose every item fits `items`; no `items`, no match.
      return Array.isArray(value) && items !== undefined && value.every((v) => fitsConfigType(items.type, items.items, v));
  }
};

/** `array<array<string>>`-style names, as the CLI prints them. */
export const fullTypeName = (type: string, items: ConfigItemsType | undefined): string =>
  items ? `array<${fullTypeName(items.type, items.items)}>` : type;
