import { stringify } from "yaml";
import { JOB_LIST_INDEX_READS_MAX, JOB_LIST_SCAN_MAX, waitIsOver, type JobStatus, type ListPartialReason } from "../shared/contract";
import { randomUUID } from "node:crypto";
import type { ApiClient, DryRunResult, Job, JobPage } from "../shared/api-client/client";
import type { AdmissionWarning } from "../shared/contract";
import { CliError, EXIT, exitForStatus, type ExitCode } from "./exit-codes";
import { followJob, type FollowResult, type StreamTarget } from "./follow-job";
import { describeJob, formatJobs, formatProblem, formatStructured, formatUsage, type Io, type Output, type TableOptions } from "./output";
import { createProgress } from "./progress";
import { readManifestFiles, type ManifestFile } from "./read-files";
import { formatQueue } from "./queue-output";

export interface Ctx {
  client: ApiClient;
  io: Io;
  /** The API and token, for the event stream (read outside the typed client). */
  stream: StreamTarget;
}

/** An API error answer as a CliError: the server's message, and the exit code its status means. */
export const failed = (error: unknown, status: number, what: string): CliError => {
  const body = error as { error?: string; details?: { problems?: Parameters<typeof formatProblem>[0][] } } | undefined;
  const problems = body?.details?.problems?.map(formatProblem) ?? [];
  const message = [`${what}: ${body?.error ?? `HTTP ${status}`}`, ...problems].join("\n");
  // 400/413/415/422: the input is wrong (like REJECTED); 429/502/503/504: worth retrying; the rest is usage or auth.
  // The status stays on the error, so the caller can add what to do (e.g. where a refused token came from).
  return Object.assign(new CliError(message, exitForStatus(status)), { status });
};

/** Network trouble (no answer at all) is exit 5 with what was tried. */
export const reach = async <T>(p: Promise<T>, api: string): Promise<T> => {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CliError) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new CliError(`could not reach the API at ${api}: ${cause ?? (err as Error).message}`, EXIT.unreachable);
  }
};

const formData = (files: ManifestFile[]) => {
  const form = new FormData();
  for (const f of files) form.append("files", new Blob([f.text], { type: "application/yaml" }), f.name);
  return form;
};

/** The exit code a settled job means. */
export const exitCodeOf = (r: FollowResult, wanted: "settled" | "rolled-back" | "watch"): ExitCode => {
  if (r.rollbackFailed) return EXIT.failed;
  const { status, workload } = r.job;
  if (status === "REJECTED") return EXIT.rejected;
  if (status === "FAILED" || workload?.phase === "Failed") return EXIT.failed;
  if (status === "ROLLED_BACK") return wanted === "settled" ? EXIT.failed : EXIT.ok;
  return EXIT.ok;
};

const printFinal = (ctx: Ctx, job: Job, output: Output) => {
  if (output === "json") ctx.io.out(JSON.stringify(job));
  else ctx.io.out(formatJobs([job], output, job));
  if (job.status === "REJECTED") for (const p of job.problems ?? []) ctx.io.err(formatProblem(p));
  if (job.status === "FAILED" && job.reason) ctx.io.err(`job ${job.id} FAILED: ${job.reason}`);
};

/** How many lines of a failed container's log are shown. */
const FAILED_LOG_LINES = 10;

/**
 * Why the workload failed, on stderr: the reason, each container that ended badly (exit code,
 * reason), and the last lines of the first one's log (when the API still has them).
 */
const explainFailure = async (ctx: Ctx, job: Job) => {
  const w = job.workload;
  if (!w || w.phase !== "Failed") return;
  ctx.io.err(`job ${job.id} workload Failed: ${w.reason ?? w.problems[0] ?? "no reason given"}`);
  const failed = (w.containers ?? []).filter((c) => (c.exitCode ?? 0) !== 0 || (c.reason && c.reason !== "Completed"));
  for (const c of failed) {
    ctx.io.err(`  container ${c.container} (Pod/${c.pod}): exit code ${c.exitCode ?? "-"}${c.reason ? `, ${c.reason}` : ""}${c.restarts ? `, ${c.restarts} restart(s)` : ""}`);
  }
  for (const p of w.problems) ctx.io.err(`  ${p}`);
  if (w.reclaimed) ctx.io.err(`  ${w.reclaimed} pod(s) lost to spot reclaim or preemption (not counted as failures)`);
  const first = failed[0];
  if (!first) return;
  try {
    const { data } = await ctx.client.GET("/jobs/{id}/logs", { params: { path: { id: job.id }, query: { container: first.container, tailLines: FAILED_LOG_LINES } }, parseAs: "text" });
    const text = typeof data === "string" ? data.trimEnd() : "";
    if (text) ctx.io.err(`last ${FAILED_LOG_LINES} lines of ${first.container}'s log:\n${text.split("\n").map((l) => `  | ${l}`).join("\n")}`);
  } catch {
    // The reason is already printed; the log is a bonus.
  }
};

/** Watch until `until` (or the stream's end), showing progress; -o json prints each event as a line. */
const watch = async (ctx: Ctx, id: string, opts: { output: Output; timeoutMs: number; until?: (j: Job) => boolean; progressTo: "out" | "err" }) => {
  const started = Date.now();
  const progress = opts.output === "json" ? undefined : await createProgress(ctx.io, opts.progressTo, started);
  try {
    return await followJob(ctx.stream, id, {
      timeoutMs: opts.timeoutMs,
      ...(opts.until ? { until: opts.until } : {}),
      onEvent: (event, job) => (opts.output === "json" ? ctx.io.out(JSON.stringify(event)) : progress?.update(job)),
    });
  } finally {
    progress?.done();
  }
};

/** `?name=&labels=` of a new job: labels as `k=v,k2=v2` (the API checks them). */
const metaQuery = (o: { name?: string; labels?: string[] }) => ({ ...(o.name ? { name: o.name } : {}), ...(o.labels?.length ? { labels: o.labels.join(",") } : {}) });

/** After a job was accepted: print it, or wait until it can no longer change. */
const acceptedThenWait = async (ctx: Ctx, job: Job, replayed: boolean, o: { wait: boolean; timeoutMs: number; output: Output; warnings?: WarningsShown }): Promise<ExitCode> => {
  ctx.io.err(`job ${job.id} accepted${job.name ? ` as ${job.name}` : ""}${replayed ? " (replayed: same Idempotency-Key)" : ""}`);
  printWarnings(ctx, job.warnings ?? [], o.warnings ?? "grouped");
  if (!o.wait) {
    ctx.io.out(o.output === "json" ? JSON.stringify(job) : formatJobs([job], o.output, job));
    return EXIT.ok;
  }
  const result = await watch(ctx, job.id, { output: o.output, timeoutMs: o.timeoutMs, until: waitIsOver, progressTo: "err" });
  if (result.rollbackFailed) ctx.io.err(`rollback failed: ${result.rollbackFailed}`);
  printFinal(ctx, result.job, o.output);
  await explainFailure(ctx, result.job);
  return exitCodeOf(result, "settled");
};

export const submit = async (
  ctx: Ctx,
  api: string,
  o: { file: string[]; wait: boolean; timeoutMs: number; idempotencyKey?: string; output: Output; warnings?: WarningsShown; name?: string; labels?: string[] },
): Promise<ExitCode> => {
  const files = readManifestFiles(o.file);
  // Always a key: a retried request (429/503, or a lost answer) can then never make a second job.
  const idempotencyKey = o.idempotencyKey ?? randomUUID();
  const { data, error, response } = await reach(
    ctx.client.POST("/yaml", {
      params: { header: { "Idempotency-Key": idempotencyKey }, query: metaQuery(o) },
      // multipart/form-data: the body is sent as built (file names make problems point at the right file).
      body: formData(files) as never,
      bodySerializer: (b: unknown) => b as FormData,
    }),
    api,
  );
  if (!data || response.status !== 202) {
    const err = failed(error, response.status, "the job was not accepted");
    if (!o.idempotencyKey && ![400, 413, 415, 422].includes(response.status)) err.message += `\nto retry without making a second job: --idempotency-key ${idempotencyKey}`;
    throw err;
  }
  return acceptedThenWait(ctx, data as Job, response.headers.get("Idempotent-Replayed") === "true", o);
};

/** A new job from a job's stored submission (`POST /jobs/{id}/resubmit`). */
export const resubmit = async (
  ctx: Ctx,
  api: string,
  id: string,
  o: { wait: boolean; timeoutMs: number; idempotencyKey?: string; output: Output; name?: string; labels?: string[] },
): Promise<ExitCode> => {
  const { data, error, response } = await reach(
    ctx.client.POST("/jobs/{id}/resubmit", { params: { path: { id }, header: o.idempotencyKey ? { "Idempotency-Key": o.idempotencyKey } : {}, query: metaQuery(o) } }),
    api,
  );
  if (!data || response.status !== 202) throw failed(error, response.status, `job ${id} could not be run again`);
  const job = data as Job;
  if (job.resubmittedFrom) ctx.io.err(`job ${job.id} runs again what job ${job.resubmittedFrom} ran`);
  return acceptedThenWait(ctx, job, response.headers.get("Idempotent-Replayed") === "true", o);
};

export const watchCmd = async (ctx: Ctx, id: string, o: { timeoutMs: number; output: Output }): Promise<ExitCode> => {
  const result = await watch(ctx, id, { output: o.output, timeoutMs: o.timeoutMs, until: waitIsOver, progressTo: "out" });
  if (o.output === "json") ctx.io.out(JSON.stringify(result.job));
  if (result.rollbackFailed) ctx.io.err(`rollback failed: ${result.rollbackFailed}`);
  if (result.job.status === "REJECTED") for (const p of result.job.problems ?? []) ctx.io.err(formatProblem(p));
  if (result.job.status === "FAILED" && result.job.reason) ctx.io.err(`job ${result.job.id} FAILED: ${result.job.reason}`);
  await explainFailure(ctx, result.job);
  return exitCodeOf(result, "watch");
};

/** How much of the platform's applied defaults (admission warnings) to show on stderr. */
export type WarningsShown = "grouped" | "all" | "none";

/**
 * The defaults the platform applied, on stderr: one line per object by default (`the platform
 * applied 7 defaults to Job/pi (pi.yaml doc 1)`), each on its own line with --show-defaults,
 * none with --quiet. They never change the exit code.
 */
export const printWarnings = (ctx: Ctx, warnings: readonly AdmissionWarning[], shown: WarningsShown) => {
  if (shown === "none" || warnings.length === 0) return;
  if (shown === "all") {
    for (const w of warnings) ctx.io.err(`default: ${formatProblem(w)}`);
    return;
  }
  const byObject = new Map<string, AdmissionWarning[]>();
  for (const w of warnings) byObject.set(w.object ?? "", [...(byObject.get(w.object ?? "") ?? []), w]);
  for (const [object, ws] of byObject) {
    // Where the object is: its first located default's file:line, else its file and document.
    const first = ws.find((w) => w.line) ?? ws[0]!;
    const where = first.line ? `${first.file ?? ""}:${first.line}` : [first.file, first.document ? `doc ${first.document}` : ""].filter(Boolean).join(" ");
    ctx.io.err(`the platform applied ${ws.length} default${ws.length === 1 ? "" : "s"}${object ? ` to ${object}` : ""}${where ? ` (${where})` : ""}; --show-defaults lists them, --quiet hides this`);
  }
};

export const validate = async (ctx: Ctx, api: string, o: { file: string[]; output: Output; warnings?: WarningsShown }): Promise<ExitCode> => {
  const files = readManifestFiles(o.file);
  const { data, error, response } = await reach(
    ctx.client.POST("/yaml", { params: { query: { dryRun: "true" } }, body: formData(files) as never, bodySerializer: (b: unknown) => b as FormData }),
    api,
  );
  if (!data || response.status !== 200) throw failed(error, response.status, "the manifests could not be checked");
  const result = data as DryRunResult;
  if (o.output === "json") ctx.io.out(JSON.stringify(result, null, 2));
  else if (o.output === "yaml") ctx.io.out(stringify(result).trimEnd());
  else {
    for (const p of result.problems) ctx.io.out(formatProblem(p));
    printWarnings(ctx, result.warnings, o.warnings ?? "grouped");
    ctx.io.err(result.ok ? `valid: ${result.resources.length} object(s) would be created` : `invalid: ${result.problems.length} problem(s)`);
  }
  return result.ok ? EXIT.ok : EXIT.rejected;
};

export const get = async (ctx: Ctx, api: string, id: string, output: Output, table: TableOptions = {}): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.GET("/jobs/{id}", { params: { path: { id } } }), api);
  if (!data) throw failed(error, response.status, `job ${id}`);
  ctx.io.out(formatJobs([data], output, data, { columns: ctx.io.columns, ...table }));
  // A refused or failed job says why (the table has no room for it): on stderr, so stdout stays data.
  if (output === "table" || output === "wide") {
    if (data.reason && (data.status === "REJECTED" || data.status === "FAILED")) ctx.io.err(`${data.status}: ${data.reason} (cpctl describe ${id} shows everything)`);
    for (const p of data.problems ?? []) ctx.io.err(formatProblem(p));
  }
  return EXIT.ok;
};

export const queue = async (ctx: Ctx, api: string, output: Output): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.GET("/queues"), api);
  if (!data) throw failed(error, response.status, "could not read your queue");
  ctx.io.out(formatQueue(data, output));
  return EXIT.ok;
};

export const describe = async (ctx: Ctx, api: string, id: string): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.GET("/jobs/{id}", { params: { path: { id } } }), api);
  if (!data) throw failed(error, response.status, `job ${id}`);
  ctx.io.out(describeJob(data));
  return EXIT.ok;
};

/** The most `GET /jobs` gives in one page (docs/openapi.yaml, its `limit` maximum). */
export const LIST_PAGE_MAX = 100;
/** What `list` shows without --limit or --all (the API's own default page). */
export const LIST_DEFAULT = 20;

/** Why a filtered listing took several requests (the API's `partial`, docs/reference.md). */
const PARTIAL_NOTE: Record<ListPartialReason, string> = {
  scan: `note: -l without key=value or key in (…), and no --name: jobs were checked one by one, ${JOB_LIST_SCAN_MAX} per request`,
  index: `note: the selector's indexes had many candidates: ${JOB_LIST_INDEX_READS_MAX} index entries were read per request`,
  indexing: `note: your jobs from before the label index are still being indexed; until then -l and --name check jobs one by one, ${JOB_LIST_SCAN_MAX} per request`,
};

export const list = async (
  ctx: Ctx,
  api: string,
  o: { status?: JobStatus; limit?: number; all?: boolean; cursor?: string; output: Output; selector?: string; name?: string } & TableOptions,
): Promise<ExitCode> => {
  if (o.all && o.limit) throw new CliError("--all and --limit exclude each other: --all lists every job, --limit N the newest N", EXIT.usage);
  const want = o.all ? Infinity : (o.limit ?? LIST_DEFAULT);
  const filter = { ...(o.status ? { status: o.status } : {}), ...(o.selector ? { labelSelector: o.selector } : {}), ...(o.name ? { name: o.name } : {}) };
  const items: Job[] = [];
  let cursor = o.cursor;
  let next: string | undefined;
  let partial: ListPartialReason | undefined;
  do {
    const limit = Math.min(LIST_PAGE_MAX, want - items.length);
    const { data, error, response } = await reach(ctx.client.GET("/jobs", { params: { query: { ...filter, limit, ...(cursor ? { cursor } : {}) } } }), api);
    if (!data) throw failed(error, response.status, "could not list jobs");
    items.push(...data.items);
    next = cursor = data.nextCursor;
    partial ??= data.partial;
  } while (next && items.length < want);
  const page: JobPage = { items, ...(next ? { nextCursor: next } : {}) };
  // Pages the API cut short are followed above; this only says why the listing took longer.
  if (partial) ctx.io.err(PARTIAL_NOTE[partial]);
  ctx.io.out(formatJobs(items, o.output, page, { columns: ctx.io.columns, ...(o.noHeaders ? { noHeaders: true } : {}) }));
  if (next) ctx.io.err(`more jobs than shown: cpctl list --cursor ${next}${o.status ? ` --status ${o.status}` : ""} for the next ones, or --all`);
  return EXIT.ok;
};

export const usage = async (ctx: Ctx, api: string, o: { from?: string; to?: string; top?: number; output: Output } & TableOptions): Promise<ExitCode> => {
  const { data, error, response } = await reach(
    ctx.client.GET("/usage", { params: { query: { ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.top ? { top: o.top } : {}) } } }),
    api,
  );
  if (!data) throw failed(error, response.status, "could not read usage");
  ctx.io.out(formatStructured(data, o.output) ?? formatUsage(data, { columns: ctx.io.columns, ...(o.noHeaders ? { noHeaders: true } : {}) }));
  return EXIT.ok;
};

export const remove = async (ctx: Ctx, api: string, id: string, o: { wait: boolean; timeoutMs: number; output: Output }): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.DELETE("/jobs/{id}", { params: { path: { id } } }), api);
  if (!data) throw failed(error, response.status, `could not delete job ${id}`);
  ctx.io.err(`job ${id} rollback requested`);
  if (!o.wait) {
    ctx.io.out(o.output === "json" ? JSON.stringify(data) : formatJobs([data], o.output, data));
    return EXIT.ok;
  }
  const result = await watch(ctx, id, { output: o.output, timeoutMs: o.timeoutMs, until: (j) => j.status === "ROLLED_BACK", progressTo: "err" });
  if (result.rollbackFailed) ctx.io.err(`rollback failed: ${result.rollbackFailed}`);
  printFinal(ctx, result.job, o.output);
  return result.job.status === "ROLLED_BACK" ? EXIT.ok : exitCodeOf(result, "rolled-back");
};

export const logs = async (
  ctx: Ctx,
  api: string,
  id: string,
  o: { follow: boolean; container?: string; tail?: number; sinceSeconds?: number; timestamps?: boolean; previous?: boolean },
  write: (chunk: Uint8Array) => void,
): Promise<ExitCode> => {
  const query = {
    follow: o.follow ? ("true" as const) : ("false" as const),
    ...(o.container ? { container: o.container } : {}),
    ...(o.tail ? { tailLines: o.tail } : {}),
    ...(o.sinceSeconds ? { sinceSeconds: o.sinceSeconds } : {}),
    ...(o.timestamps ? { timestamps: "true" as const } : {}),
    ...(o.previous ? { previous: "true" as const } : {}),
  };
  const { data, error, response } = await reach(
    ctx.client.GET("/jobs/{id}/logs", {
      params: { path: { id }, query },
      parseAs: "stream",
    }),
    api,
  );
  if (!data) throw failed(error, response.status, `no logs for job ${id}`);
  const reader = data.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    write(value);
  }
  return EXIT.ok;
};
