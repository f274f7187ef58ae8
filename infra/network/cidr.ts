/** IPv4 CIDR arithmetic: just what the network plan needs, no dependency. */
export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export const parseCidr = (text: string): Cidr => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not an IPv4 CIDR such as 10.0.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${text}" is not a valid IPv4 CIDR`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % size(prefix) !== 0) throw new Error(`"${text}" has host bits set; did you mean ${formatCidr({ base: base - (base % size(prefix)), prefix })}?`);
  return { base, prefix };
};

export const size = (prefix: number) => 2 ** (32 - prefix);

export const formatCidr = (c: Cidr): string =>
  `${[24, 16, 8, 0].map((s) => Math.floor(c.base / 2 ** s) % 256).join(".")}/${c.prefix}`;

export const overlaps = (a: Cidr, b: Cidr): boolean =>
  a.base < b.base + size(b.prefix) && b.base < a.base + size(a.prefix);

export const contains = (outer: Cidr, inner: Cidr): boolean =>
  inner.base >= outer.base && inner.base + size(inner.prefix) <= outer.base + size(outer.prefix);

/**
 * Hands out aligned sub-ranges of a block, largest first, so nothing is wasted on
 * alignment and the result does not depend on the order ranges are asked for.
 */
export const carve = (block: Cidr, prefixes: Record<string, number>): Record<string, Cidr> => {
  const out: Record<string, Cidr> = {};
  let next = block.base;
  const bySize = Object.entries(prefixes).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  for (const [name, prefix] of bySize) {
    if (prefix < block.prefix) throw new Error(`a /${prefix} range for ${name} does not fit in ${formatCidr(block)}`);
    const s = size(prefix);
    next = Math.ceil(next / s) * s;
    const range = { base: next, prefix };
    if (!contains(block, range)) throw new Error(`${formatCidr(block)} is too small for the ${name} range (/${prefix})`);
    out[name] = range;
    next += s;
  }
  return out;
};
