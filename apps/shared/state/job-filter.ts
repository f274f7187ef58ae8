import type { Selector } from "../labels/label-selector";
import type { ListPosition } from "./job-cursor";

/**
 * What of a label selector the tenant's label indexes answer (job-index-script.ts): `key=value`,
 * `key==value` and `key in (…)`, each a group of `key=value` pairs of which a job carries one.
 * The rest (`!=`, `notin`, `key`, `!key`, `>`, `<`) an index of jobs by pair cannot list, so it is
 * checked job by job on the candidates the groups leave. An `in` with more values than
 * IN_VALUES_INDEXED_MAX is checked that way too.
 */
export const IN_VALUES_INDEXED_MAX = 16;

export const indexedGroups = (selector: Selector): string[][] => {
  const groups = new Map<string, string[]>();
  for (const { key, operator, values } of selector) {
    const indexed = operator === "=" || operator === "==" || (operator === "in" && values.length <= IN_VALUES_INDEXED_MAX);
    if (!indexed) continue;
    const pairs = [...new Set(values)].sort().map((v) => `${key}=${v}`);
    groups.set(pairs.join("\n"), pairs);
  }
  return [...groups.values()];
};

/** Newest first: by creation time, then by id, both descending (Redis' REV order for a sorted set). */
export const newestFirst = (a: ListPosition, b: ListPosition): number => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Whether `p` comes strictly after `after` in newest-first order. */
export const isAfter = (p: ListPosition, after: ListPosition | undefined): boolean => !after || p.score < after.score || (p.score === after.score && p.id < after.id);

/** Positions of several newest-first lists as one, newest first, each id once. */
export const mergeNewestFirst = (lists: ListPosition[][]): ListPosition[] => {
  const seen = new Set<string>();
  return lists
    .flat()
    .sort(newestFirst)
    .filter((p) => !seen.has(p.id) && seen.add(p.id));
};
