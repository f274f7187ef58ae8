import { Storage, type Bucket } from "@google-cloud/storage";
import { ObjectNotFoundError, assertKey, type ObjectStore } from "./object-store";

export interface GcsStoreOptions {
  bucket: string;
  /** Only for tests and emulators. */
  apiEndpoint?: string;
}

/** Google Cloud Storage; credentials come from Workload Identity (ADC) in the cluster. */
export class GcsObjectStore implements ObjectStore {
  readonly kind = "gcs" as const;
  private readonly bucket: Bucket;

  constructor(opts: GcsStoreOptions) {
    const storage = opts.apiEndpoint
      ? new Storage({ apiEndpoint: opts.apiEndpoint, projectId: "test", useAuthWithCustomEndpoint: false })
      : new Storage();
    // Our own retry wrapper decides how often to try; the client's own would multiply it.
    storage.retryOptions.autoRetry = false;
    this.bucket = storage.bucket(opts.bucket);
  }

  async put(key: string, data: Buffer | string, contentType = "application/octet-stream"): Promise<void> {
    // Single-request upload: an object appears whole or not at all.
    await this.bucket.file(assertKey(key)).save(data, { resumable: false, contentType, validation: false });
  }

  /**
   * `ifGenerationMatch: 0`: "succeeds only if there are no live versions of the object", else
   * 412 Precondition Failed (https://cloud.google.com/storage/docs/request-preconditions). The
   * client puts preconditionOpts into the simple upload's query string
   * (googleapis/nodejs-storage@v7:src/file.ts, startSimpleUpload_).
   */
  async putIfAbsent(key: string, data: Buffer | string, contentType = "application/octet-stream"): Promise<boolean> {
    try {
      await this.bucket.file(assertKey(key)).save(data, { resumable: false, contentType, validation: false, preconditionOpts: { ifGenerationMatch: 0 } });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 412) return false;
      throw err;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      const [buf] = await this.bucket.file(assertKey(key)).download();
      return buf;
    } catch (err) {
      if ((err as { code?: number }).code === 404) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    const [found] = await this.bucket.file(assertKey(key)).exists();
    return found;
  }

  async delete(key: string): Promise<void> {
    await this.bucket.file(assertKey(key)).delete({ ignoreNotFound: true });
  }

  async list(prefix: string): Promise<string[]> {
    const [files] = await this.bucket.getFiles({ prefix });
    return files.map((f) => f.name).sort();
  }

  /**
   * Lists at most one object: that needs only `storage.objects.list`, which the services' role
   * (roles/storage.objectUser) has, while a bucket GET (`bucket.exists()`) needs
   * `storage.buckets.get`, which it lacks. A missing bucket still fails (404).
   */
  async check(): Promise<void> {
    await this.bucket.getFiles({ maxResults: 1, autoPaginate: false });
  }
}
