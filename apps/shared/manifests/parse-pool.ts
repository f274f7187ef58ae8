import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ADMISSION_WORKER_HEAP_MB, DRY_RUN_MAX_PER_TENANT, INLINE_PARSE_MAX_CHARS, PARSE_WORKER_HEAP_MB, PARSE_POOL_MAX_PER_TENANT, PARSE_POOL_TIMEOUT_MS } from "../contract";
import { AppError } from "../errors/app-error";
import type { AdmitTask, AdmitOutcome } from "../admission/admit-task";
import { parseYamlFiles, type ParseResult, type YamlLimits } from "./parse-yaml";

type Files = { name: string; text: string }[];
/** What a worker is asked to do (parse-worker.ts). */
type Work = { kind: "parse"; files: Files; limits: YamlLimits } | ({ kind: "admit" } & AdmitTask);
interface Task {
  id: number;
  tenant: string;
  work: Work;
  resolve(r: unknown): void;
  reject(e: Error): void;
}

export interface ParsePoolOptions {
  /** Worker threads; parsing 1 MiB of YAML takes far longer than the event loop may be held. */
  size: number;
  /** Requests waiting for a worker before new ones get a 503. */
  maxQueue: number;
  /** A parse running longer is stopped (its worker replaced) and the request refused. */
  timeoutMs: number;
  /** Tasks one tenant may have waiting or running at once; beyond it that tenant gets a 429. */
  maxPerTenant?: number;
  /** Parses of at most this many characters run on the calling thread (default 0: none). */
  inlineMaxChars?: number;
  /**
   * A worker's heap (V8 old generation, MB): a task that needs more ends its worker (refused
   * with 413) instead of growing the process, and V8 collects harder near the bound.
   */
  maxHeapMb?: number;
}

/**
 * How to start a worker: the compiled `parse-worker.js` next to this file in an image, or the
 * TypeScript source through tsx when running from source (`npm start`, tests).
 */
const workerSource = (): { code: string } => {
  const js = path.join(__dirname, "parse-worker.js");
  if (existsSync(js)) return { code: `require(${JSON.stringify(js)})` };
  const ts = path.join(__dirname, "parse-worker.ts");
  return { code: `require("tsx/cjs/api").register(); require(${JSON.stringify(ts)})` };
};

/**
 * Parsing untrusted YAML in worker threads. The parser is synchronous and slow on big inputs
 * (about a second per MiB on a busy core), so on the main thread one request would stall
 * every other request and the health checks; here it only occupies a worker. Workers are
 * unref'd (they never keep the process alive) and replaced when they crash or time out.
 */
export class ParsePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, { task: Task; timer: NodeJS.Timeout }>();
  private readonly queue: Task[] = [];
  private workers = 0;
  private nextId = 1;
  private closed = false;
  /** Tasks waiting or running, per tenant. */
  private readonly perTenant = new Map<string, number>();

  constructor(private readonly opts: ParsePoolOptions) {}

  parse(files: Files, limits: YamlLimits, tenant = ""): Promise<ParseResult> {
    // A small body costs well under a millisecond to parse: here, without a trip through a
    // worker (which, at a lower priority, waits behind bigger parses of other tenants).
    const bytes = files.reduce((n, f) => n + f.text.length, 0);
    if (bytes <= (this.opts.inlineMaxChars ?? 0)) {
      try {
        return Promise.resolve(parseYamlFiles(files, limits));
      } catch (err) {
        return Promise.reject(new AppError(`the YAML could not be parsed: ${(err as Error).message}`, { status: 400 }));
      }
    }
    return this.submit(tenant, { kind: "parse", files, limits }) as Promise<ParseResult>;
  }

  /**
   * Parse (unless documents are given) and admit, then point problems at their lines: the dry
   * run's and the YAML Manager's whole check, off the event loop and under the time limit.
   */
  admit(task: AdmitTask): Promise<AdmitOutcome> {
    return this.submit(task.tenant, { kind: "admit", ...task }) as Promise<AdmitOutcome>;
  }

  private submit(tenant: string, work: Work): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError("the parser is shutting down", { status: 503, retryable: true }));
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(new AppError("too many submissions are being parsed; retry in a few seconds", { status: 503, retryable: true }));
    }
    const mine = this.perTenant.get(tenant) ?? 0;
    if (this.opts.maxPerTenant !== undefined && mine >= this.opts.maxPerTenant) {
      return Promise.reject(
        new AppError(`too many of your submissions or dry runs are being checked at once (at most ${this.opts.maxPerTenant}); retry when one has answered`, { status: 429, retryable: true, retryAfterSeconds: 1 }),
      );
    }
    this.perTenant.set(tenant, mine + 1);
    const done = () => {
      const n = (this.perTenant.get(tenant) ?? 1) - 1;
      if (n <= 0) this.perTenant.delete(tenant);
      else this.perTenant.set(tenant, n);
    };
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        tenant,
        work,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.dispatch();
    });
  }

  /**
   * The oldest waiting task whose tenant runs fewer than `size - 1` tasks: one tenant's big
   * submissions and dry runs never hold every worker, so another tenant's waits at most one task.
   */
  private next(): Task | undefined {
    const cap = Math.max(1, this.opts.size - 1);
    const running = new Map<string, number>();
    for (const { task } of this.busy.values()) running.set(task.tenant, (running.get(task.tenant) ?? 0) + 1);
    const i = this.queue.findIndex((t) => (running.get(t.tenant) ?? 0) < cap);
    return i < 0 ? undefined : this.queue.splice(i, 1)[0];
  }

  private dispatch() {
    while (this.queue.length > 0) {
      if (this.idle.length === 0 && this.workers >= this.opts.size) return;
      const task = this.next();
      if (!task) return;
      const worker = this.idle.pop() ?? this.spawn();
      const what = task.work.kind === "parse" ? "parsing" : "checking the submission";
      const timer = setTimeout(() => this.fail(worker, new AppError(`${what} took longer than ${this.opts.timeoutMs} ms; send a smaller or simpler submission`, { status: 413 })), this.opts.timeoutMs);
      timer.unref();
      this.busy.set(worker, { task, timer });
      worker.postMessage({ id: task.id, ...task.work });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(workerSource().code, { eval: true, ...(this.opts.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb } } : {}) });
    worker.unref();
    this.workers++;
    worker.on("message", (m: { id: number; result?: unknown; error?: string }) => {
      const running = this.busy.get(worker);
      if (!running || running.task.id !== m.id) return;
      clearTimeout(running.timer);
      this.busy.delete(worker);
      if (m.result) running.task.resolve(m.result);
      else if (running.task.work.kind === "parse") running.task.reject(new AppError(`the YAML could not be parsed: ${m.error ?? "unknown error"}`, { status: 400 }));
      else running.task.reject(new AppError(`admission failed: ${m.error ?? "unknown error"}`, { status: 500 }));
      if (!this.closed) this.idle.push(worker);
      this.dispatch();
    });
    worker.on("error", (err) => {
      const outOfMemory = (err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
      this.fail(worker, outOfMemory ? new AppError("the submission needs more memory to check than one request may use; send a smaller or simpler one", { status: 413 }) : new AppError(`the parser failed: ${err.message}`, { status: 500, cause: err }));
    });
    worker.on("exit", () => this.fail(worker, new AppError("the parser stopped unexpectedly", { status: 500 })));
    return worker;
  }

  /** Refuse the worker's task (if any) and replace the worker. */
  private fail(worker: Worker, err: Error) {
    const running = this.busy.get(worker);
    const known = running !== undefined || this.idle.includes(worker);
    if (!known) return;
    if (running) {
      clearTimeout(running.timer);
      this.busy.delete(worker);
      running.task.reject(err);
    }
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    this.workers--;
    void worker.terminate();
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new AppError("the parser is shutting down", { status: 503, retryable: true }));
    const all = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(all.map((w) => w.terminate()));
  }
}

let shared: ParsePool | undefined;

/**
 * The process's pool, started on first use. Workers run below the event loop's priority
 * (parse-worker.ts), so two of them on a 2-core machine still leave the loop its CPU; two, so
 * that one tenant (held to PARSE_POOL_MAX_PER_TENANT tasks) never holds every worker.
 */
export const parsePool = (): ParsePool =>
  (shared ??= new ParsePool({ size: Math.max(2, Math.min(4, os.availableParallelism() - 1)), maxQueue: 64, timeoutMs: PARSE_POOL_TIMEOUT_MS, maxPerTenant: PARSE_POOL_MAX_PER_TENANT, inlineMaxChars: INLINE_PARSE_MAX_CHARS, maxHeapMb: PARSE_WORKER_HEAP_MB }));

let sharedAdmission: ParsePool | undefined;

/**
 * The process's admission pool (the dry run): one worker, because admission
 * loads the Kubernetes client's models and schemas (over 100 MB per thread), and the
 * entrypoint's pod has 384 Mi. One tenant's checks wait behind each other; another tenant's
 * next check runs as soon as the running one ends (`next()` above).
 */
export const admissionPool = (): ParsePool =>
  (sharedAdmission ??= new ParsePool({ size: 1, maxQueue: 64, timeoutMs: PARSE_POOL_TIMEOUT_MS, maxPerTenant: DRY_RUN_MAX_PER_TENANT, maxHeapMb: ADMISSION_WORKER_HEAP_MB }));
