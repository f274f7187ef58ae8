/**
 * `-o jsonpath=TEMPLATE`: a documented subset of kubectl's JSONPath templates
 * (https://kubernetes.io/docs/reference/kubectl/jsonpath/), which are not the JSONPath of the
 * common npm libraries (those have no templates, `range`/`end`, or literal text). Our own small
 * evaluator; the subset, as docs/user-guide.md lists it:
 *
 * - text outside braces is printed as is; `{"\n"}`, `{'\t'}` are literals (with \n \t \\ escapes)
 * - `{.a.b}` fields from the current object; `$` (the root) and `@` (the current object) may start a path
 * - `{.items[*]}` every element, `{.items[0]}` / `{.items[-1]}` one element, `['a.b']` a key with dots
 * - `{range .items[*]}…{end}` repeats its body for each result, with that result as `@`
 * - several results of one expression are joined by a space; a missing field prints nothing
 *
 * Not supported, and refused with a message: filters `[?(…)]`, slices `[a:b]`, unions `[a,b]`,
 * recursive descent `..`.
 */
export class JsonPathError extends Error {
  constructor(message: string) {
    super(`jsonpath: ${message}`);
    this.name = "JsonPathError";
  }
}

type Step = { field: string } | { index: number } | { all: true };
type Path = { from: "root" | "current"; steps: Step[] };
type Node = { text: string } | { path: Path } | { range: Path; body: Node[] };

const parsePath = (src: string): Path => {
  let s = src.trim();
  let from: Path["from"] = "current";
  if (s.startsWith("$")) {
    from = "root";
    s = s.slice(1);
  } else if (s.startsWith("@")) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("..", i)) throw new JsonPathError(`recursive descent ".." is not supported (in "${src}")`);
    if (s[i] === ".") {
      const m = /^[^.[\]\s]+/.exec(s.slice(i + 1));
      if (!m) {
        if (i + 1 === s.length && steps.length === 0) break; // `{.}`: the object itself
        throw new JsonPathError(`a field name is missing after "." at ${i} of "${src}"`);
      }
      steps.push(m[0] === "*" ? { all: true } : { field: m[0] });
      i += 1 + m[0].length;
    } else if (s[i] === "[") {
      const close = s.indexOf("]", i);
      if (close < 0) throw new JsonPathError(`"[" without "]" in "${src}"`);
      const inner = s.slice(i + 1, close).trim();
      if (inner === "*") steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else if (inner.startsWith("?")) throw new JsonPathError(`filters "[${inner}]" are not supported; select with jq from -o json`);
      else if (inner.includes(":")) throw new JsonPathError(`slices "[${inner}]" are not supported: use [*] or [n]`);
      else if (inner.includes(",")) throw new JsonPathError(`unions "[${inner}]" are not supported: use one expression per field`);
      else throw new JsonPathError(`"[${inner}]" is not [*], [n] or ['key'] in "${src}"`);
      i = close + 1;
    } else {
      throw new JsonPathError(`unexpected "${s[i]}" at ${i} of "${src}": paths look like .items[*].id`);
    }
  }
  return { from, steps };
};

const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);

/** The template as nodes; `range` bodies nested until their `end`. */
export const parseTemplate = (template: string): Node[] => {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) {
      stack.at(-1)!.push({ text: template.slice(i) });
      break;
    }
    if (open > i) stack.at(-1)!.push({ text: template.slice(i, open) });
    // Find the closing brace, skipping quoted literals.
    let j = open + 1;
    let quote: string | undefined;
    for (; j < template.length; j++) {
      const c = template[j]!;
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "}") break;
    }
    if (j >= template.length) throw new JsonPathError(`"{" at ${open} has no "}"`);
    const expr = template.slice(open + 1, j).trim();
    i = j + 1;
    if (/^"(?:[^"\\]|\\.)*"$|^'(?:[^'\\]|\\.)*'$/.test(expr)) stack.at(-1)!.push({ text: unescape(expr.slice(1, -1)) });
    else if (expr === "end") {
      if (stack.length === 1) throw new JsonPathError(`"{end}" without a "{range …}"`);
      stack.pop();
    } else if (expr.startsWith("range ")) {
      const body: Node[] = [];
      stack.at(-1)!.push({ range: parsePath(expr.slice(6)), body });
      stack.push(body);
    } else stack.at(-1)!.push({ path: parsePath(expr) });
  }
  if (stack.length > 1) throw new JsonPathError(`a "{range …}" has no "{end}"`);
  return root;
};

const evaluate = (p: Path, root: unknown, current: unknown): unknown[] => {
  let values = [p.from === "root" ? root : current];
  for (const step of p.steps) {
    const next: unknown[] = [];
    for (const v of values) {
      if (v === null || typeof v !== "object") continue;
      if ("all" in step) next.push(...(Array.isArray(v) ? v : Object.values(v)));
      else if ("index" in step) {
        if (!Array.isArray(v)) continue;
        const at = step.index < 0 ? v.length + step.index : step.index;
        if (at >= 0 && at < v.length) next.push(v[at]);
      } else if (Object.hasOwn(v, step.field)) next.push((v as Record<string, unknown>)[step.field]);
    }
    values = next;
  }
  return values;
};

const show = (v: unknown) => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v));

const render = (nodes: Node[], root: unknown, current: unknown): string =>
  nodes
    .map((n) => {
      if ("text" in n) return n.text;
      if ("path" in n) return evaluate(n.path, root, current).map(show).join(" ");
      return evaluate(n.range, root, current)
        .map((item) => render(n.body, root, item))
        .join("");
    })
    .join("");

/** Print `data` through a kubectl-style JSONPath template (the subset above). */
export const jsonPath = (template: string, data: unknown): string => render(parseTemplate(template), data, data);
