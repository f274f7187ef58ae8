import { createRequire } from "node:module";
import os from "node:os";
import { parentPort } from "node:worker_threads";
import type { AdmitTask, runAdmission as RunAdmission } from "../admission/admit-task";
import { parseYamlFiles, type YamlLimits } from "./parse-yaml";

// Below the event loop's priority: on Linux the nice value is per thread (setpriority(2),
// NOTES), so a busy parser yields the CPU to the thread that answers requests and probes.
try {
  os.setPriority(10);
} catch {
  /* not permitted here: run at normal priority */
}

type Message = { id: number } & ({ kind: "parse"; files: { name: string; text: string }[]; limits: YamlLimits } | ({ kind: "admit" } & AdmitTask));

/**
 * Runs in a worker thread (parse-pool.ts): one task per message, answered in order. Admission
 * (and the Kubernetes schemas it brings) is loaded on the first admission task only.
 */
const load = createRequire(__filename);
let admission: typeof RunAdmission | undefined;

parentPort?.on("message", (task: Message) => {
  try {
    if (task.kind === "admit") {
      // A plain require: the worker runs CommonJS, from source through tsx's require hook.
      admission ??= (load("../admission/admit-task") as { runAdmission: typeof RunAdmission }).runAdmission;
      parentPort!.postMessage({ id: task.id, result: admission(task) });
    } else {
      parentPort!.postMessage({ id: task.id, result: parseYamlFiles(task.files, task.limits) });
    }
  } catch (err) {
    parentPort!.postMessage({ id: task.id, error: (err as Error).message });
  }
});
