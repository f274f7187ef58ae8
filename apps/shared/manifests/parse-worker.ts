import { parentPort } from "node:worker_threads";
import { parseYamlFiles, type YamlLimits } from "./parse-yaml";

/** Runs in a worker thread (parse-pool.ts): one parse per message, answered in order. */
parentPort?.on("message", (task: { id: number; files: { name: string; text: string }[]; limits: YamlLimits }) => {
  try {
    parentPort!.postMessage({ id: task.id, result: parseYamlFiles(task.files, task.limits) });
  } catch (err) {
    parentPort!.postMessage({ id: task.id, error: (err as Error).message });
  }
});
