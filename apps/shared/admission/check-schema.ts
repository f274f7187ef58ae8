import { createRequire } from "node:module";
import { attributesOf, elementType, modelTypeOf } from "../kube/client-models";
import { ALLOWED_KINDS, kindKey } from "./allowed-kinds";
import { isObj, type Finding, type Obj } from "./finding";

type Model = new (data: never) => { validate(): void };
interface SchemaError {
  instancePath: string;
  message?: string;
  params?: { missingProperty?: string };
}

const jsonPath = (instancePath: string) =>
  instancePath
    .split("/")
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, "/").replace(/~0/g, "~")}`))
    .join("")
    .replace(/^\./, "");

const pointer = (base: string, key: string | number) => `${base}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;

/**
 * A subtree of at most this many values is validated in one call. kubernetes-models' validators
 * (ajv standalone code) gather errors with `errors = errors.concat(childErrors)` for every failing
 * item of a list, so one call over a list of n failing items costs n² (a Pod with 64,000 empty
 * containers: 42 s). Bigger subtrees are split at their lists and maps, so each call is small
 * and the whole check is linear in the size of the object.
 */
export const SCHEMA_CHUNK_NODES = 256;

const sizes = new WeakMap<object, number>();
const sizeOf = (v: unknown): number => {
  if (v === null || typeof v !== "object") return 1;
  const known = sizes.get(v);
  if (known !== undefined) return known;
  let n = 1;
  for (const child of Object.values(v)) n += sizeOf(child);
  sizes.set(v, n);
  return n;
};

/** The kubernetes-models group folders, by client-node's version prefix (`V1PodSpec` → v1). */
const GROUPS: Record<string, string[]> = {
  v1: ["v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "autoscaling/v1"],
  v2: ["autoscaling/v2"],
};
const load = createRequire(__filename);
const models = new Map<string, Model | undefined>();
/** The kubernetes-models class of a client-node model name (`V1Container` → kubernetes-models/v1/Container), if any. */
const modelOf = (type: string): Model | undefined => {
  if (models.has(type)) return models.get(type);
  const m = /^(?:Core|Rbac|Apps|Batch|Policy|Networking)?V(\d+)([A-Z]\w*)$/.exec(type);
  let found: Model | undefined;
  if (m) {
    const [, version, kind] = m;
    const paths = [...(GROUPS[`v${version}`] ?? []).map((g) => `kubernetes-models/${g}/${kind}`), `@kubernetes-models/apimachinery/apis/meta/v${version}/${kind}`];
    for (const p of paths) {
      try {
        found = (load(p) as Record<string, Model | undefined>)[kind!];
      } catch {
        continue;
      }
      if (found) break;
    }
  }
  models.set(type, found);
  return found;
};

const runModel = (Model: Model, value: unknown): SchemaError[] => {
  try {
    new Model(value as never).validate();
    return [];
  } catch (err) {
    return (err as { errors?: SchemaError[] }).errors ?? [];
  }
};

/** Schema errors gathered per object before the check stops (the first ones are what a user fixes first). */
export const MAX_SCHEMA_ERRORS = 1000;

const PRIMITIVES: Record<string, string> = { string: "string", number: "number", boolean: "boolean" };

/** Validate `value` as client-node type `type`, at JSON pointer `at`; errors carry full pointers. */
const validateAt = (value: unknown, type: string, at: string, out: SchemaError[], Model?: Model) => {
  if (out.length >= MAX_SCHEMA_ERRORS) return;
  const primitive = PRIMITIVES[type];
  if (primitive) {
    if (typeof value !== primitive) out.push({ instancePath: at, message: `must be ${primitive}` });
    return;
  }
  const el = elementType(type);
  const model = Model ?? modelOf(type);
  if (sizeOf(value) <= SCHEMA_CHUNK_NODES && (model || el)) {
    if (model) for (const e of runModel(model, value)) out.push({ ...e, instancePath: at + e.instancePath });
    else if (el?.kind === "array" && !Array.isArray(value)) out.push({ instancePath: at, message: "must be array" });
    else if (el?.kind === "map" && !isObj(value)) out.push({ instancePath: at, message: "must be object" });
    else if (el) forEachChild(value, (v, k) => validateAt(v, el.inner, pointer(at, k), out));
    return;
  }
  if (el?.kind === "array") {
    if (!Array.isArray(value)) out.push({ instancePath: at, message: "must be array" });
    else value.forEach((v, i) => validateAt(v, el.inner, pointer(at, i), out));
    return;
  }
  if (el?.kind === "map") {
    if (!isObj(value)) out.push({ instancePath: at, message: "must be object" });
    else forEachChild(value, (v, k) => validateAt(v, el.inner, pointer(at, k), out));
    return;
  }
  const attrs = attributesOf(type);
  if (!attrs) return;
  if (!isObj(value)) {
    out.push({ instancePath: at, message: "must be object" });
    return;
  }
  // This level with its big fields emptied (their own checks follow), then each big field.
  const big = Object.keys(value).filter((k) => sizeOf(value[k]) > SCHEMA_CHUNK_NODES && attrs.some((a) => a.baseName === k));
  if (model) {
    const shallow: Obj = { ...value };
    for (const k of big) shallow[k] = Array.isArray(value[k]) ? [] : {};
    for (const e of runModel(model, shallow)) {
      const field = e.instancePath.split("/")[1];
      if (field !== undefined && big.includes(field.replace(/~1/g, "/").replace(/~0/g, "~"))) continue;
      out.push({ ...e, instancePath: at + e.instancePath });
    }
  }
  for (const k of big) validateAt(value[k], attrs.find((a) => a.baseName === k)!.type, pointer(at, k), out);
};

const forEachChild = (value: unknown, fn: (v: unknown, k: string | number) => void) => {
  if (Array.isArray(value)) value.forEach(fn);
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) fn(v, k);
};

/**
 * Field names as the API server knows them, from @kubernetes/client-node's models (generated
 * from the same OpenAPI spec): a typo such as `replica:` is refused like `kubectl apply
 * --validate=strict` would, with a suggestion.
 */
const unknownFields = (value: unknown, type: string, path: string, out: Finding[]) => {
  const el = elementType(type);
  if (el?.kind === "array") {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, el.inner, `${path}[${i}]`, out));
    return;
  }
  if (el?.kind === "map") {
    if (isObj(value)) for (const [k, v] of Object.entries(value)) unknownFields(v, el.inner, `${path}.${k}`, out);
    return;
  }
  const attrs = attributesOf(type);
  if (!attrs || !isObj(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const attr = attrs.find((a) => a.baseName === key);
    const here = path ? `${path}.${key}` : key;
    if (!attr) {
      const close = key.length <= 64 ? attrs.map((a) => a.baseName).find((name) => distance(name, key) <= 2) : undefined;
      out.push({ path: here, rule: "schema/unknown-field", message: `unknown field "${key}"${close ? `; did you mean "${close}"?` : ""}` });
    } else {
      unknownFields(v, attr.type, here, out);
    }
  }
};

/**
 * Validate an object against the Kubernetes OpenAPI schema of its apiVersion/kind: types,
 * required fields and formats (kubernetes-models), and unknown fields (see above).
 */
export const checkSchema = (obj: Obj): Finding[] => {
  const key = kindKey(obj.apiVersion, obj.kind);
  const Model = ALLOWED_KINDS[key];
  if (!Model) {
    return [{ path: "kind", rule: "kind/not-allowed", message: `${key} is not allowed in a job; allowed: ${Object.keys(ALLOWED_KINDS).join(", ")}` }];
  }
  const out: Finding[] = [];
  const errors: SchemaError[] = [];
  validateAt(obj, modelTypeOf(String(obj.apiVersion), String(obj.kind)), "", errors, Model);
  for (const e of errors.slice(0, MAX_SCHEMA_ERRORS)) {
    const missing = e.params?.missingProperty;
    const path = jsonPath(e.instancePath) + (missing ? `${e.instancePath ? "." : ""}${missing}` : "");
    out.push({ path: path || "(object)", rule: "schema/invalid", message: missing ? `required field "${missing}" is missing` : `${e.message ?? "is invalid"}` });
  }
  if (errors.length >= MAX_SCHEMA_ERRORS) out.push({ path: "(object)", rule: "schema/invalid", message: `the schema check stopped after ${MAX_SCHEMA_ERRORS} errors in this object; fix these first` });
  unknownFields(obj, modelTypeOf(String(obj.apiVersion), String(obj.kind)), "", out);
  return out;
};

/** Edit distance, small strings only (field names). */
const distance = (a: string, b: string): number => {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
};
