/**
 * Shared object storage for job files. Keys are `/`-separated paths such as
 * `jobs/<id>/files/0.yaml`. Writes are whole-object: a reader sees the old object or the
 * new one, never half of it.
 */
export interface ObjectStore {
  readonly kind: "fs" | "gcs";
  put(key: string, data: Buffer | string, contentType?: string): Promise<void>;
  /**
   * Create the object only if there is none under the key, atomically (the first writer
   * wins, whole); false when one was already there. The basis of decisions two services race
   * for (see state/job-fate.ts).
   */
  putIfAbsent(key: string, data: Buffer | string, contentType?: string): Promise<boolean>;
  /** Throws ObjectNotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Deleting what is not there is not an error (rollbacks repeat). */
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** Readiness: the store answers and is writable by us. */
  check(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = "ObjectNotFoundError";
  }
}

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Keys come partly from users (file names): refuse anything that could escape the root. */
export const assertKey = (key: string): string => {
  if (!KEY.test(key) || key.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`invalid object key: ${JSON.stringify(key)}`);
  }
  return key;
};

export const getJson = async <T>(store: ObjectStore, key: string): Promise<T> =>
  JSON.parse((await store.get(key)).toString("utf8")) as T;

export const putJson = (store: ObjectStore, key: string, value: unknown) =>
  store.put(key, JSON.stringify(value), "application/json");
