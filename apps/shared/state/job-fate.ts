import { ObjectNotFoundError, type ObjectStore } from "../storage/object-store";
import { jobKeys } from "../storage/job-keys";

/**
 * Whether a submitted job goes ahead. Two parties race to decide it, and exactly one wins:
 * the YAML Manager, before it acts on "job submitted" ("committed"), and the entrypoint,
 * when it cannot tell whether the broker took the event ("withdrawn", and its client gets a
 * 503). The decision is an object created only if absent (ObjectStore.putIfAbsent), so it is
 * atomic and durable; each party reads the winner back, which also makes a retry after a
 * lost answer safe. A job is withdrawn only by the entrypoint, within the request, and
 * committed only by the YAML Manager: so no job runs whose client was told it failed, and a
 * 202 is never followed by a withdrawal.
 */
export type Fate = "committed" | "withdrawn";

export const settleFate = async (store: ObjectStore, jobId: string, wanted: Fate): Promise<Fate> => {
  const key = jobKeys(jobId).fate;
  if (await store.putIfAbsent(key, wanted, "text/plain")) return wanted;
  const stored = (await store.get(key)).toString("utf8");
  if (stored !== "committed" && stored !== "withdrawn") throw new Error(`job ${jobId} has an unreadable fate: ${JSON.stringify(stored.slice(0, 40))}`);
  return stored;
};

/** The fate if one was decided, else undefined (nobody has acted on the job yet). */
export const fateOf = async (store: ObjectStore, jobId: string): Promise<Fate | undefined> => {
  try {
    return (await store.get(jobKeys(jobId).fate)).toString("utf8") as Fate;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
};
