import * as client from "@kubernetes/client-node";
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv";
import { modelTypeOf } from "../../apps/shared/kube/client-models";
import { CORE_ID, CRD_SCHEMAS } from "./crd-schemas";

/**
 * Schema checks for the Kubernetes objects the program creates, with unknown fields as errors
 * (the API server drops or refuses them; either way what we wrote does not happen).
 *
 * Core kinds are checked twice, by two projects generated from Kubernetes' OpenAPI spec:
 * - field names and types from @kubernetes/client-node's models (`attributeTypeMap`), turned
 *   into JSON schemas that refuse unknown fields;
 * - required fields, enums and formats by kubernetes-models' own validators, which accept
 *   unknown fields and so cannot do the first check.
 * Custom resources are checked against the schemas in ./crd-schemas.ts (each cites its CRD),
 * which may refer to core types by `$ref` to `${CORE_ID}#/definitions/<client-node model>`.
 */

type Model = { attributeTypeMap: { baseName: string; type: string; format: string }[] };
const models: Record<string, Model> = Object.fromEntries(
  Object.entries(client as Record<string, unknown>).filter((e): e is [string, Model] => typeof e[1] === "function" && Array.isArray((e[1] as Partial<Model>).attributeTypeMap)),
);

const typeSchema = (type: string, format = "", base = "#"): SchemaObject => {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: "array", items: typeSchema(array[1]!, "", base) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: "object", additionalProperties: typeSchema(map[1]!, "", base) };
  switch (type) {
    case "string":
    case "Date":
    case "V1MicroTime":
      return { type: "string" };
    case "number":
      return format === "double" ? { type: "number" } : { type: "integer" };
    case "boolean":
      return { type: "boolean" };
    case "IntOrString":
      return { type: ["integer", "string"] };
    case "any":
    case "object":
      return {};
  }
  if (!models[type]) throw new Error(`@kubernetes/client-node has no model ${type}`);
  return { $ref: `${base}/definitions/${type}` };
};

/** Every client-node model as a strict JSON schema (unknown properties refused). */
const coreSchema = (): SchemaObject => ({
  $id: CORE_ID,
  definitions: Object.fromEntries(
    Object.entries(models).map(([name, m]) => [
      name,
      { type: "object", additionalProperties: false, properties: Object.fromEntries(m.attributeTypeMap.map((a) => [a.baseName, typeSchema(a.type, a.format)])) },
    ]),
  ),
});

const crdId = (apiVersion: string, kind: string) => `https://crd.schemas.invalid/${apiVersion}/${kind}`;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addSchema(coreSchema());
for (const s of Object.values(CRD_SCHEMAS)) ajv.addSchema(s.schema, crdId(s.apiVersion, s.kind));

/** client-node's model name for a core kind (the admission check uses the same mapping). */
const modelName = modelTypeOf;

/** kubernetes-models' class for a core kind (its module layout is group/version/Kind). */
type ModelClass = new (data: object) => { validate(): void };
const kubernetesModel = (apiVersion: string, kind: string): ModelClass | undefined => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass>)[kind];
  } catch {
    return undefined;
  }
};

const describe = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.keyword === "additionalProperties" ? `: ${(e.params as { additionalProperty: string }).additionalProperty}` : ""}`);

const compiled = new Map<string, ValidateFunction>();
const validator = (ref: string) => {
  let v = compiled.get(ref);
  if (!v) {
    v = ajv.getSchema(ref);
    if (!v) throw new Error(`no schema ${ref}`);
    compiled.set(ref, v);
  }
  return v;
};

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  [field: string]: unknown;
}

/** Which schema checks an object: a CRD schema of ours, or the core Kubernetes API. */
export const schemaSource = (o: KubernetesObject): "crd" | "core" | undefined =>
  CRD_SCHEMAS[`${o.apiVersion}/${o.kind}`] ? "crd" : models[modelName(o.apiVersion, o.kind)] && kubernetesModel(o.apiVersion, o.kind) ? "core" : undefined;

/** What is wrong with an object, as `path message` lines; empty when it is valid. */
export const schemaErrors = (o: KubernetesObject): string[] => {
  const source = schemaSource(o);
  if (source === "crd") {
    const v = validator(crdId(o.apiVersion, o.kind));
    return v(o) ? [] : describe(v.errors);
  }
  if (source === "core") {
    const v = validator(`${CORE_ID}#/definitions/${modelName(o.apiVersion, o.kind)}`);
    const errors = v(o) ? [] : describe(v.errors);
    const Model = kubernetesModel(o.apiVersion, o.kind)!;
    try {
      new Model(o).validate();
    } catch (e) {
      // Its message lists ajv errors as "data/path message, data/path message".
      errors.push(...String((e as Error).message).split(/, (?=data[/ ])/).map((m) => m.replace(/^data(?=[/ ])/, "").replace(/^ /, "/ ")));
    }
    return [...new Set(errors)];
  }
  return [`no schema for ${o.apiVersion} ${o.kind}: add one to test/support/crd-schemas.ts, derived from its CRD at the version we install`];
};

const shapes = new WeakMap<SchemaObject, ValidateFunction>();

/**
 * Check a value against a shape: a core type as client-node writes types (`V1Toleration`,
 * `Array<V1Toleration>`, `{ [key: string]: string; }`) or a JSON schema that may refer to
 * core types. For chart values that a template copies verbatim into an object.
 */
export const shapeErrors = (shape: string | SchemaObject, value: unknown): string[] => {
  let v: ValidateFunction | undefined;
  if (typeof shape === "string") {
    v = compiled.get(shape);
    if (!v) compiled.set(shape, (v = ajv.compile(typeSchema(shape, "", `${CORE_ID}#`))));
  } else {
    v = shapes.get(shape);
    if (!v) shapes.set(shape, (v = ajv.compile(shape)));
  }
  return v(value) ? [] : describe(v.errors);
};
