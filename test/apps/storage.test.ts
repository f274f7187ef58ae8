import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../apps/shared/storage/fs-store";
import { GcsObjectStore } from "../../apps/shared/storage/gcs-store";
import { ObjectNotFoundError, type ObjectStore } from "../../apps/shared/storage/object-store";
import { withRetries } from "../../apps/shared/storage/retrying-store";
import { startGcsDouble, type GcsDouble } from "../support/gcs-double";

let dir: string;
let gcs: GcsDouble;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cp-store-"));
  gcs = await startGcsDouble("jobs-bucket");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await gcs.close();
});

const contract = (name: string, make: () => ObjectStore) =>
  describe(`${name}: the object-store contract`, () => {
    it("When an object is written, then it reads back byte for byte and is listed under its prefix", async () => {
      const s = make();
      await s.put("jobs/a/files/000.yaml", "kind: Pod\n");
      await s.put("jobs/a/manifests.json", Buffer.from([1, 2, 3]));
      await s.put("jobs/b/files/000.yaml", "x");
      expect((await s.get("jobs/a/files/000.yaml")).toString()).toBe("kind: Pod\n");
      expect([...(await s.get("jobs/a/manifests.json"))]).toEqual([1, 2, 3]);
      expect(await s.list("jobs/a/")).toEqual(["jobs/a/files/000.yaml", "jobs/a/manifests.json"]);
      expect(await s.exists("jobs/a/manifests.json")).toBe(true);
    });

    it("When an object is missing, then get says so by type and delete is a no-op", async () => {
      const s = make();
      await expect(s.get("jobs/none/x")).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await s.exists("jobs/none/x")).toBe(false);
      await expect(s.delete("jobs/none/x")).resolves.toBeUndefined();
    });

    it("When a key tries to escape its root, then it is refused", async () => {
      const s = make();
      for (const bad of ["../etc/passwd", "jobs/../../x", "/abs", "jobs//x", "a b"]) {
        await expect(s.put(bad, "x")).rejects.toThrow(/invalid object key/);
      }
    });

    it("When the store is checked for readiness, then it answers", async () => {
      await expect(make().check()).resolves.toBeUndefined();
    });
  });

describe("GCS store readiness", () => {
  it("When the GCS store is checked for readiness, then it only lists objects (storage.objects.list), never reads the bucket's metadata", async () => {
    const before = gcs.requests.length;
    await new GcsObjectStore({ bucket: "jobs-bucket", apiEndpoint: gcs.url }).check();
    const made = gcs.requests.slice(before);
    expect(made).toEqual(["GET /storage/v1/b/jobs-bucket/o"]);
  });

  it("When the bucket does not exist, then the readiness check fails", async () => {
    await expect(new GcsObjectStore({ bucket: "no-such-bucket", apiEndpoint: gcs.url }).check()).rejects.toThrow();
  });
});

contract("filesystem store", () => new FsObjectStore(dir));
contract("GCS store (against the GCS JSON API double)", () => new GcsObjectStore({ bucket: "jobs-bucket", apiEndpoint: gcs.url }));

describe("storage failures", () => {
  it("When the filesystem store writes, then no temporary file is left next to the object", async () => {
    const s = new FsObjectStore(dir);
    await s.put("jobs/t/obj", "v".repeat(10_000));
    expect(await readdir(path.join(dir, "jobs/t"))).toEqual(["obj"]);
  });

  it("When GCS answers 503 twice, then bounded retries succeed on the third try", async () => {
    const s = withRetries(new GcsObjectStore({ bucket: "jobs-bucket", apiEndpoint: gcs.url }), 3, 5);
    gcs.failNext(2);
    await s.put("jobs/r/x", "ok");
    expect(gcs.objects.get("jobs/r/x")?.toString()).toBe("ok");
  });

  it("When GCS keeps failing, then the error surfaces after the retry budget instead of looping", async () => {
    const s = withRetries(new GcsObjectStore({ bucket: "jobs-bucket", apiEndpoint: gcs.url }), 2, 5);
    const before = gcs.requests.length;
    gcs.failNext(10);
    await expect(s.put("jobs/r/y", "no")).rejects.toThrow();
    expect(gcs.requests.length - before).toBe(3);
    gcs.failNext(0);
  });

  it("When the data folder cannot be written, then the filesystem store fails loudly", async () => {
    // The data folder's path is taken by a file: nothing can be created under it.
    await new FsObjectStore(dir).put("blocker", "x");
    const s = new FsObjectStore(path.join(dir, "blocker"));
    await expect(s.put("jobs/x/y", "z")).rejects.toThrow(/ENOTDIR|EEXIST/);
    await expect(s.check()).rejects.toThrow();
  });
});
