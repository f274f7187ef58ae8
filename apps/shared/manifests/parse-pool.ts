import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { AppError } from "../errors/app-error";
import type { ParseResult, YamlLimits } from "./parse-yaml";

type Files = { name: string; text: string }[];
interface Task {
  id: number;
  files: Files;
  limits: YamlLimits;
  resolve(r: ParseResult): void;
  reject(e: Error): void;
}

export interface ParsePoolOptions {
  /** Worker threads; parsing 1 MiB of YAML takes far longer than the event loop may be held. */
  size: number;
  /** Requests waiting for a worker before new ones get a 503. */
  maxQueue: number;
  /** A parse running longer is stopped (its worker replaced) and the request refused. */
  timeoutMs: number;
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

  constructor(private readonly opts: ParsePoolOptions) {}

  parse(files: Files, limits: YamlLimits): Promise<ParseResult> {
    if (this.closed) return Promise.reject(new AppError("the parser is shutting down", { status: 503, retryable: true }));
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(new AppError("too many submissions are being parsed; retry in a few seconds", { status: 503, retryable: true }));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, files, limits, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch() {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers < this.opts.size ? this.spawn() : undefined);
      if (!worker) return;
      const task = this.queue.shift()!;
      const timer = setTimeout(() => this.fail(worker, new AppError(`parsing took longer than ${this.opts.timeoutMs} ms; send a smaller or simpler submission`, { status: 413 })), this.opts.timeoutMs);
      timer.unref();
      this.busy.set(worker, { task, timer });
      worker.postMessage({ id: task.id, files: task.files, limits: task.limits });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(workerSource().code, { eval: true });
    worker.unref();
    this.workers++;
    worker.on("message", (m: { id: number; result?: ParseResult; error?: string }) => {
      const running = this.busy.get(worker);
      if (!running || running.task.id !== m.id) return;
      clearTimeout(running.timer);
      this.busy.delete(worker);
      if (m.result) running.task.resolve(m.result);
      else running.task.reject(new AppError(`the YAML could not be parsed: ${m.error ?? "unknown error"}`, { status: 400 }));
      if (!this.closed) this.idle.push(worker);
      this.dispatch();
    });
    worker.on("error", (err) => this.fail(worker, new AppError(`the parser failed: ${err.message}`, { status: 500, cause: err })));
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

/** The process's parse pool, started on first use; it leaves a core to the event loop. */
export const parsePool = (): ParsePool =>
  (shared ??= new ParsePool({ size: Math.max(1, Math.min(4, os.availableParallelism() - 1)), maxQueue: 64, timeoutMs: 30_000 }));
