import { stringify } from "yaml";
import { waitIsOver, type JobStatus } from "../shared/contract";
import type { ApiClient, DryRunResult, Job } from "../shared/api-client/client";
import { CliError, EXIT, exitForStatus, type ExitCode } from "./exit-codes";
import { followJob, type FollowResult } from "./follow-job";
import { formatJobs, formatProblem, type Io, type Output } from "./output";
import { createProgress } from "./progress";
import { readManifestFiles, type ManifestFile } from "./read-files";

export interface Ctx {
  client: ApiClient;
  io: Io;
}

/** An API error answer as a CliError: the server's message, and the exit code its status means. */
const fail = (error: unknown, status: number, what: string): CliError => {
  const body = error as { error?: string; details?: { problems?: Parameters<typeof formatProblem>[0][] } } | undefined;
  const problems = body?.details?.problems?.map(formatProblem) ?? [];
  const message = [`${what}: ${body?.error ?? `HTTP ${status}`}`, ...problems].join("\n");
  // 400/413/415/422: the input is wrong (like REJECTED); 429/502/503/504: worth retrying; the rest is usage or auth.
  return new CliError(message, exitForStatus(status));
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
    return await followJob(ctx.client, id, {
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
const acceptedThenWait = async (ctx: Ctx, job: Job, replayed: boolean, o: { wait: boolean; timeoutMs: number; output: Output }): Promise<ExitCode> => {
  ctx.io.err(`job ${job.id} accepted${job.name ? ` as ${job.name}` : ""}${replayed ? " (replayed: same Idempotency-Key)" : ""}`);
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
  o: { file: string[]; wait: boolean; timeoutMs: number; idempotencyKey?: string; output: Output; name?: string; labels?: string[] },
): Promise<ExitCode> => {
  const files = readManifestFiles(o.file);
  const { data, error, response } = await reach(
    ctx.client.POST("/yaml", {
      params: { header: o.idempotencyKey ? { "Idempotency-Key": o.idempotencyKey } : {}, query: metaQuery(o) },
      // multipart/form-data: the body is sent as built (file names make problems point at the right file).
      body: formData(files) as never,
      bodySerializer: (b: unknown) => b as FormData,
    }),
    api,
  );
  if (!data || response.status !== 202) throw fail(error, response.status, "the job was not accepted");
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
  if (!data || response.status !== 202) throw fail(error, response.status, `job ${id} could not be run again`);
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

export const validate = async (ctx: Ctx, api: string, o: { file: string[]; output: Output }): Promise<ExitCode> => {
  const files = readManifestFiles(o.file);
  const { data, error, response } = await reach(
    ctx.client.POST("/yaml", { params: { query: { dryRun: "true" } }, body: formData(files) as never, bodySerializer: (b: unknown) => b as FormData }),
    api,
  );
  if (!data || response.status !== 200) throw fail(error, response.status, "the manifests could not be checked");
  const result = data as DryRunResult;
  if (o.output === "json") ctx.io.out(JSON.stringify(result, null, 2));
  else if (o.output === "yaml") ctx.io.out(stringify(result).trimEnd());
  else {
    for (const p of result.problems) ctx.io.out(formatProblem(p));
    for (const w of result.warnings) ctx.io.err(`warning: ${formatProblem(w)}`);
    ctx.io.err(result.ok ? `valid: ${result.resources.length} object(s) would be created` : `invalid: ${result.problems.length} problem(s)`);
  }
  return result.ok ? EXIT.ok : EXIT.rejected;
};

export const get = async (ctx: Ctx, api: string, id: string, output: Output): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.GET("/jobs/{id}", { params: { path: { id } } }), api);
  if (!data) throw fail(error, response.status, `job ${id}`);
  ctx.io.out(formatJobs([data], output, data));
  return EXIT.ok;
};

export const list = async (ctx: Ctx, api: string, o: { status?: JobStatus; limit?: number; output: Output; selector?: string; name?: string }): Promise<ExitCode> => {
  const query = {
    ...(o.status ? { status: o.status } : {}),
    ...(o.limit ? { limit: o.limit } : {}),
    ...(o.selector ? { labelSelector: o.selector } : {}),
    ...(o.name ? { name: o.name } : {}),
  };
  const { data, error, response } = await reach(
    ctx.client.GET("/jobs", { params: { query } }),
    api,
  );
  if (!data) throw fail(error, response.status, "could not list jobs");
  if (data.items.length === 0 && data.nextCursor) ctx.io.err("no match among the jobs examined; older jobs may match (the listing filters at most 1000 jobs per request)");
  ctx.io.out(formatJobs(data.items, o.output, data));
  return EXIT.ok;
};

export const remove = async (ctx: Ctx, api: string, id: string, o: { wait: boolean; timeoutMs: number; output: Output }): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.DELETE("/jobs/{id}", { params: { path: { id } } }), api);
  if (!data) throw fail(error, response.status, `could not delete job ${id}`);
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

export const logs = async (ctx: Ctx, api: string, id: string, o: { follow: boolean; container?: string; tail?: number }, write: (chunk: Uint8Array) => void): Promise<ExitCode> => {
  const { data, error, response } = await reach(
    ctx.client.GET("/jobs/{id}/logs", {
      params: { path: { id }, query: { follow: o.follow ? "true" : "false", ...(o.container ? { container: o.container } : {}), ...(o.tail ? { tailLines: o.tail } : {}) } },
      parseAs: "stream",
    }),
    api,
  );
  if (!data) throw fail(error, response.status, `no logs for job ${id}`);
  const reader = data.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    write(value);
  }
  return EXIT.ok;
};
