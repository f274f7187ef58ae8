import { randomUUID } from "node:crypto";
import { readFile as readFileCb, writeFile as writeFileCb } from "node:fs";
import { link, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { ObjectNotFoundError, assertKey, type ObjectStore } from "./object-store";

// The callback API, promisified: fs/promises' readFile and writeFile open a FileHandle per call,
// which cost about 7% of a one-process stack's CPU under load (measured, docs/testing.md, "Benchmark").
const writeFile = promisify(writeFileCb);
const readFile = promisify(readFileCb);

/** Local default: objects are files under a data folder, written atomically (temp + rename). */
export class FsObjectStore implements ObjectStore {
  readonly kind = "fs" as const;
  private readonly root: string;
  /** Folders known to exist: saves a mkdir system call on every write. */
  private readonly folders = new Set<string>();

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private file(key: string) {
    return path.join(this.root, ...assertKey(key).split("/"));
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    await this.write(key, data, rename);
  }

  /** A hard link fails with EEXIST if the target exists: atomic, and the file is whole. */
  async putIfAbsent(key: string, data: Buffer | string): Promise<boolean> {
    try {
      await this.write(key, data, link);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    }
  }

  /** Write a temporary file, then move it into place with `place` (rename or link). */
  private async write(key: string, data: Buffer | string, place: (from: string, to: string) => Promise<void>): Promise<void> {
    const target = this.file(key);
    const folder = path.dirname(target);
    if (!this.folders.has(folder)) {
      // One system call when the parent exists (a new job's folder); the recursive form walks
      // the whole path.
      await mkdir(folder).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "EEXIST") return;
        if (err.code === "ENOENT") return mkdir(folder, { recursive: true });
        throw err;
      });
      this.folders.add(folder);
    }
    const tmp = `${target}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, data);
      await place(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") this.folders.delete(folder); // it may have been removed under us
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    // After a rename nothing is left (and a removal would cost two system calls per write);
    // after a link the temporary goes.
    if (place !== rename) await rm(tmp, { force: true }).catch(() => undefined);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.file(key)).then(
      () => true,
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.file(prefix.replace(/\/$/, ""));
    const out: string[] = [];
    const walk = async (d: string): Promise<void> => {
      const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const full = path.join(d, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.endsWith(".tmp")) out.push(path.relative(this.root, full).split(path.sep).join("/"));
      }
    };
    await walk(dir);
    return out.sort();
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await this.put(".readiness", new Date().toISOString());
  }
}
