import * as k8s from "@kubernetes/client-node";

export type AttributeMap = { name: string; baseName: string; type: string }[];
const MODELS = k8s as unknown as Record<string, { attributeTypeMap?: AttributeMap } | undefined>;

/** `apps/v1` + `Deployment` → the client's generated model name, `V1Deployment`. */
export const modelTypeOf = (apiVersion: string, kind: string): string => {
  const version = apiVersion.split("/").pop() ?? "";
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
};

/** The fields of a generated model (JSON name `baseName`, property `name`), if the type is a model. */
export const attributesOf = (type: string): AttributeMap | undefined => MODELS[type]?.attributeTypeMap;

/** `Array<X>` → `X`, `{ [key: string]: X; }` → `X`; anything else → undefined. */
export const elementType = (type: string): { kind: "array" | "map"; inner: string } | undefined => {
  if (type.startsWith("Array<")) return { kind: "array", inner: type.slice(6, -1) };
  if (type.startsWith("{ [key: string]: ")) return { kind: "map", inner: type.slice("{ [key: string]: ".length, -3) };
  return undefined;
};

/**
 * The client serializes objects through its generated models, which read TypeScript property
 * names: a plain manifest's `default` (LimitRange) is read from `_default` and silently
 * dropped. Rename JSON names to property names so the manifest survives the round trip.
 */
export const toClientShape = (value: unknown, type: string): unknown => {
  const el = elementType(type);
  if (el?.kind === "array") return Array.isArray(value) ? value.map((v) => toClientShape(v, el.inner)) : value;
  if (el?.kind === "map") {
    return value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toClientShape(v, el.inner)])) : value;
  }
  const attrs = attributesOf(type);
  if (!attrs || !value || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const attr = attrs.find((a) => a.baseName === k);
      return attr ? [attr.name, toClientShape(v, attr.type)] : [k, v];
    }),
  );
};
