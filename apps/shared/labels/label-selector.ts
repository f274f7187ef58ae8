/**
 * Kubernetes label selectors (`team=nlp,tier!=dev,env in (a,b),!draft,gpus>1`) and label keys
 * and values, as kubectl and the API server read them: the grammar, the checks and the
 * matching of k8s.io/apimachinery@v0.36.3 pkg/labels/selector.go (Parse, NewRequirement,
 * Requirement.Matches) and pkg/util/validation/validation.go (IsQualifiedName, IsValidLabelValue).
 * Written here because no maintained npm package parses this grammar (@kubernetes/client-node
 * passes selector strings through to the server); the tests run apimachinery's own cases.
 */

export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";
export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}
export type Selector = Requirement[];

export class SelectorError extends Error {
  override name = "SelectorError";
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key is not valid (a qualified name: `[prefix/]name`), or undefined. */
export const labelKeyError = (key: string): string | undefined => {
  const parts = key.split("/");
  if (parts.length > 2) return `label key "${key}" may have one "/" at most (prefix/name)`;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key "${key}": the prefix must be a DNS subdomain (lower case, at most 253 characters)`;
  }
  if (!name || name.length > 63 || !NAME.test(name)) {
    return `label key "${key}": the name must be 1-63 characters, alphanumeric at both ends, with - _ . inside`;
  }
  return undefined;
};

/** Why a label value is not valid, or undefined (empty is valid). */
export const labelValueError = (value: string): string | undefined =>
  value === "" || (value.length <= 63 && NAME.test(value)) ? undefined : `label value "${value}" must be at most 63 characters, alphanumeric at both ends, with - _ . inside (or empty)`;

type Token = { kind: "id" | "in" | "notin" | "=" | "==" | "!=" | "!" | ">" | "<" | "(" | ")" | "," | "end"; text: string };
const SPECIAL = "=!(),><";
const WHITESPACE = " \t\r\n";

const lex = (input: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (WHITESPACE.includes(ch)) {
      i++;
    } else if (SPECIAL.includes(ch)) {
      // The longest run of special characters that is still an operator ("!=", "==").
      const two = input.slice(i, i + 2);
      if (two === "!=" || two === "==") {
        tokens.push({ kind: two, text: two });
        i += 2;
      } else {
        tokens.push({ kind: ch as Token["kind"], text: ch });
        i++;
      }
    } else {
      let j = i;
      while (j < input.length && !WHITESPACE.includes(input[j]!) && !SPECIAL.includes(input[j]!)) j++;
      const text = input.slice(i, j);
      tokens.push({ kind: text === "in" ? "in" : text === "notin" ? "notin" : "id", text });
      i = j;
    }
  }
  tokens.push({ kind: "end", text: "" });
  return tokens;
};

/** Parse a selector; the empty selector selects everything. Throws SelectorError saying what is wrong. */
export const parseSelector = (input: string): Selector => {
  const tokens = lex(input);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const fail = (what: string): never => {
    throw new SelectorError(`label selector ${JSON.stringify(input)}: ${what}`);
  };
  const found = (t: Token) => (t.kind === "end" ? "the end" : `"${t.text}"`);
  // Outside an operator's place, "in" and "notin" are plain words (a key or a value named so).
  const isWord = (t: Token) => t.kind === "id" || t.kind === "in" || t.kind === "notin";

  const values = (): string[] => {
    if (next().kind !== "(") fail(`expected "(" after in/notin`);
    const out = new Set<string>();
    if (peek().kind === ")") {
      next();
      return [""];
    }
    // Identifiers separated by commas; an empty place between commas is the empty value; "in"
    // and "notin" are values here.
    for (;;) {
      const t = next();
      if (isWord(t)) {
        out.add(t.text);
        const after = next();
        if (after.kind === ")") break;
        if (after.kind !== ",") fail(`expected "," or ")" in the value list, found ${found(after)}`);
      } else if (t.kind === ",") {
        out.add("");
        if (peek().kind === ")") {
          next();
          break;
        }
      } else if (t.kind === ")") {
        out.add("");
        break;
      } else {
        fail(`expected a value, "," or ")" in the value list, found ${found(t)}`);
      }
    }
    return [...out];
  };

  const requirement = (): Requirement => {
    let negated = false;
    if (peek().kind === "!") {
      next();
      negated = true;
    }
    const keyToken = next();
    if (!isWord(keyToken)) fail(`expected a label key, found ${found(keyToken)}`);
    const key = keyToken.text;
    const keyError = labelKeyError(key);
    if (keyError) fail(keyError);
    const after = peek();
    if (after.kind === "end" || after.kind === ",") return { key, operator: negated ? "!" : "exists", values: [] };
    if (negated) fail(`"!${key}" takes no operator (it means: no label ${key})`);
    const op = next();
    switch (op.kind) {
      case "in":
      case "notin": {
        const vs = values();
        for (const v of vs) {
          const e = labelValueError(v);
          if (e) fail(e);
        }
        return { key, operator: op.kind, values: vs };
      }
      case "=":
      case "==":
      case "!=":
      case ">":
      case "<": {
        const v = peek();
        let value = "";
        if (isWord(v)) value = next().text;
        else if (v.kind !== "end" && v.kind !== ",") fail(`expected a value after "${op.text}", found ${found(v)}`);
        if (op.kind === ">" || op.kind === "<") {
          if (!/^[+-]?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) fail(`"${key}${op.text}${value}": ${op.text} needs a whole number`);
        } else {
          const e = labelValueError(value);
          if (e) fail(e);
        }
        return { key, operator: op.kind, values: [value] };
      }
      default:
        return fail(`expected one of in, notin, =, ==, !=, >, < after "${key}", found ${found(op)}`);
    }
  };

  const out: Selector = [];
  if (peek().kind === "end") return out;
  for (;;) {
    const t = peek();
    if (!isWord(t) && t.kind !== "!") fail(`expected a label key or "!", found ${found(t)}`);
    out.push(requirement());
    const sep = next();
    if (sep.kind === "end") break;
    if (sep.kind !== ",") fail(`expected "," or the end after a requirement, found ${found(sep)}`);
  }
  return out;
};

/** Whether a set of labels satisfies every requirement (the empty selector matches all). */
export const matchesSelector = (selector: Selector, labels: Readonly<Record<string, string>>): boolean =>
  selector.every(({ key, operator, values }) => {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const value = labels[key];
    switch (operator) {
      case "=":
      case "==":
      case "in":
        return has && values.includes(value!);
      case "!=":
      case "notin":
        return !has || !values.includes(value!);
      case "exists":
        return has;
      case "!":
        return !has;
      case ">":
      case "<": {
        if (!has || !/^[+-]?\d+$/.test(value!)) return false;
        const n = Number(value);
        return operator === ">" ? n > Number(values[0]) : n < Number(values[0]);
      }
    }
  });

/** The selector as text again, requirements sorted by key (as Selector.String does). */
export const selectorString = (selector: Selector): string =>
  [...selector]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ key, operator, values }) => {
      if (operator === "exists") return key;
      if (operator === "!") return `!${key}`;
      if (operator === "in" || operator === "notin") return `${key} ${operator} (${[...values].sort().join(",")})`;
      return `${key}${operator}${values[0]}`;
    })
    .join(",");
