import { attributesOf, elementType, modelTypeOf } from "../kube/client-models";
import { ALLOWED_KINDS, kindKey } from "./allowed-kinds";
import { isObj, type Finding, type Obj } from "./finding";


const jsonPath = (instancePath: string) =>
  instancePath
    .split("/")
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, "/").replace(/~0/g, "~")}`))
    .join("")
    .replace(/^\./, "");

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
      const close = attrs.map((a) => a.baseName).find((name) => distance(name, key) <= 2);
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
  try {
    new Model(obj as never).validate();
  } catch (err) {
    const errors = (err as { errors?: { instancePath: string; message?: string; params?: { missingProperty?: string } }[] }).errors ?? [];
    for (const e of errors) {
      const missing = e.params?.missingProperty;
      const path = jsonPath(e.instancePath) + (missing ? `${e.instancePath ? "." : ""}${missing}` : "");
      out.push({ path: path || "(object)", rule: "schema/invalid", message: missing ? `required field "${missing}" is missing` : `${e.message ?? "is invalid"}` });
    }
  }
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
