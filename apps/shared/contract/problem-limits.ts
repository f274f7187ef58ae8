import type { AdmissionWarning, Problem } from "./job";

/**
 * How much of a refusal is kept and sent: the first MAX_PROBLEMS problems (or warnings), at
 * most MAX_PROBLEMS_BYTES of JSON together, each text field cut at MAX_PROBLEM_FIELD_CHARS,
 * then one closing entry saying how many more there were. One bound for every place they go:
 * the dry run's answer, the 400 of a submission, the `job.rejected` and `job.validated`
 * messages, the job record and both event streams (a 100 KB submission once became 6 MB of
 * problems, stored three times).
 */
export const MAX_PROBLEMS = 100;
export const MAX_PROBLEMS_BYTES = 64 * 1024;
export const MAX_PROBLEM_FIELD_CHARS = 1024;
/** The rule of the closing entry. */
export const PROBLEMS_TRUNCATED_RULE = "problems/truncated";

const utf8 = new TextEncoder();
const clip = (v: unknown) => (typeof v === "string" && v.length > MAX_PROBLEM_FIELD_CHARS ? `${v.slice(0, MAX_PROBLEM_FIELD_CHARS)}…` : v);

/**
 * The first entries within the bounds, then "and N more" (N counts the ones left out; a list
 * already capped keeps its closing entry's count). Linear in the list's length.
 */
export const capList = <T extends { message: string; rule?: string }>(items: readonly T[], what: "problems" | "warnings" = "problems"): T[] => {
  const out: T[] = [];
  let bytes = 0;
  let more = 0;
  for (const item of items) {
    const closing = item.rule === PROBLEMS_TRUNCATED_RULE || (what === "warnings" && item.rule === undefined);
    const carried = closing ? /^and (\d+) more \w+ not shown/.exec(item.message) : null;
    if (carried) {
      more += Number(carried[1]);
      continue;
    }
    if (more > 0 || out.length >= MAX_PROBLEMS) {
      more++;
      continue;
    }
    const clipped = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, clip(v)])) as T;
    const size = utf8.encode(JSON.stringify(clipped)).length;
    if (bytes + size > MAX_PROBLEMS_BYTES) {
      more++;
      continue;
    }
    bytes += size;
    out.push(clipped);
  }
  if (more > 0) out.push({ rule: PROBLEMS_TRUNCATED_RULE, message: `and ${more} more ${what} not shown (at most ${MAX_PROBLEMS} are listed); fix these and check again` } as T);
  return out;
};

export const capProblems = (problems: readonly Problem[]): Problem[] => capList(problems);
export const capWarnings = (warnings: readonly AdmissionWarning[]): AdmissionWarning[] => capList(warnings as (AdmissionWarning & { rule?: string })[], "warnings");

/** A parse or an admission in the worker pool taking longer is stopped and refused (413). */
export const PARSE_POOL_TIMEOUT_MS = 30_000;
/** Submissions one tenant may have waiting or being parsed in one API process; beyond it, 429 (half the pool's queue of 64). */
export const PARSE_POOL_MAX_PER_TENANT = 32;
/** Dry runs one tenant may have waiting or being checked in one API process; beyond it, 429 (each can take seconds of the one admission worker). */
export const DRY_RUN_MAX_PER_TENANT = 4;
/**
 * Heap (V8 old generation, MB) of each parse worker and of the admission worker: a submission
 * whose check needs more is refused (413) and its worker replaced, so one request cannot grow the
 * API process towards its pod's memory limit (384 Mi). Real manifests need a fraction of this;
 * tens of thousands of YAML nodes (the 400 KB Pod of empty containers) do not fit.
 */
export const PARSE_WORKER_HEAP_MB = 48;
export const ADMISSION_WORKER_HEAP_MB = 96;
/** Submissions up to this many characters are parsed on the event loop (well under a millisecond), without a trip through a worker. */
export const INLINE_PARSE_MAX_CHARS = 16 * 1024;
