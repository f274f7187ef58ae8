import { FsObjectStore } from "./fs-store";
import { GcsObjectStore } from "./gcs-store";
import type { ObjectStore } from "./object-store";
import { withRetries } from "./retrying-store";

export interface StorageConfig {
  STORAGE_DRIVER: "fs" | "gcs";
  DATA_DIR: string;
  GCS_BUCKET?: string | undefined;
  GCS_API_ENDPOINT?: string | undefined;
  STORAGE_RETRIES: number;
}

export const createStore = (cfg: StorageConfig): ObjectStore => {
  const store =
    cfg.STORAGE_DRIVER === "gcs"
      ? new GcsObjectStore({ bucket: cfg.GCS_BUCKET ?? "", apiEndpoint: cfg.GCS_API_ENDPOINT })
      : new FsObjectStore(cfg.DATA_DIR);
  return withRetries(store, cfg.STORAGE_RETRIES);
};
