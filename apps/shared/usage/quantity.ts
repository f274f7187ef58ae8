/**
 * Kubernetes resource quantities as numbers: CPU in cores, memory and storage in GiB.
 * Suffixes as defined by apimachinery's resource.Quantity: binary (Ki Mi Gi Ti Pi Ei),
 * decimal (n u m k M G T P E) and plain exponents (1e3). Invalid text is an error, not 0.
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

export class QuantityError extends Error {
  constructor(text: unknown) {
    super(`not a Kubernetes quantity: ${JSON.stringify(text)} (examples: 500m, 2, 1Gi, 256Mi)`);
    this.name = "QuantityError";
  }
}

/** The quantity's value in its base unit (cores for CPU, bytes for memory). */
export const parseQuantity = (q: string | number): number => {
  if (typeof q === "number") {
    if (!Number.isFinite(q) || q < 0) throw new QuantityError(q);
    return q;
  }
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new QuantityError(q);
  const base = Number(m[1]);
  const value = m[2] ? base * 10 ** Number(m[2].slice(1)) : base * (BINARY[m[3] ?? ""] ?? DECIMAL[m[3] ?? ""]!);
  if (!Number.isFinite(value) || value < 0) throw new QuantityError(q);
  return value;
};

export const cores = (q: string | number | undefined): number => (q === undefined ? 0 : parseQuantity(q));
export const gib = (q: string | number | undefined): number => (q === undefined ? 0 : parseQuantity(q) / 2 ** 30);
