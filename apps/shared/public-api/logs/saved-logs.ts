import { jobKeys } from "../../storage/job-keys";
import type { ObjectStore } from "../../storage/object-store";
import type { ContainerRef } from "./pod-logs";

/** The logs the applier saved for a job (see apps/cluster-applier/logs), by pod and container. */
export const savedContainers = async (store: ObjectStore, jobId: string): Promise<(ContainerRef & { key: string })[]> => {
  const prefix = jobKeys(jobId).logs;
  const keys = await store.list(prefix);
  return keys
    .map((key) => {
      const m = /^([^/]+)\/([^/]+)\.log$/.exec(key.slice(prefix.length));
      return m ? { pod: m[1]!, container: m[2]!, key } : null;
    })
    .filter((x): x is ContainerRef & { key: string } => x !== null)
    .sort((a, b) => a.key.localeCompare(b.key));
};

export const lastLines = (text: string, n: number | undefined): string[] => {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return n === undefined ? lines : lines.slice(-n);
};
