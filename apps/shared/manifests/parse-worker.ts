import os from "node:os";
import { parentPort } from "node:worker_threads";
import { parseYamlFiles, type YamlLimits } from "./parse-yaml";

// Below the event loop's priority: on Linux the nice value is per thread (setpriority(2),
// NOTES), so a busy parser yields the CPU to the thread that answers requests and probes.
try {
  os.setPriority(10);
} catch {
  /* not permitted here: run at normal priority */
}

/** Runs in a worker thread (parse-pool.ts): one parse per message, answered in order. */
parentPort?.on("message", (task: { id: number; files: { name: string; text: string }[]; limits: YamlLimits }) => {
  try {
    parentPort!.postMessage({ id: task.id, result: parseYamlFiles(task.files, task.limits) });
  } catch (err) {
    parentPort!.postMessage({ id: task.id, error: (err as Error).message });
  }
});
