/**
 * Kubernetes resource quantities as numbers (cores, bytes). Our own small parser: the one in
 * @kubernetes/client-node (`quantityToScalar`) throws on decimals with a binary suffix such as
 * `1.5Gi`, which the API server accepts. Grammar: k8s.io/apimachinery pkg/api/resource
 * quantity.go (decimal number, optional exponent or one SI / binary suffix).
 */
const SUFFIX: Readonly<Record<string, number>> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The quantity's value, or undefined when it is not a quantity. Numbers pass through. */
export const quantity = (q: unknown): number | undefined => {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  if (typeof q !== "string") return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : SUFFIX[m[3] ?? ""]!);
  return Number.isFinite(n) ? n : undefined;
};

/** A human figure for messages: cores with up to 3 decimals, bytes in Gi/Mi. */
export const show = (n: number, kind: "cpu" | "memory" | "storage"): string => {
  if (kind === "cpu") return `${Math.round(n * 1000) / 1000}`;
  if (n >= 2 ** 30) return `${Math.round((n / 2 ** 30) * 100) / 100}Gi`;
  return `${Math.round((n / 2 ** 20) * 100) / 100}Mi`;
};
