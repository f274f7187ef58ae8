import type { Job } from "../shared/api-client/client";
import { progressLine, type Io } from "./output";

/**
 * Where a waiting command shows how the job is doing: on a terminal one line that updates in
 * place (log-update redraws it), elsewhere one line per change (logs and CI read those).
 */
export interface Progress {
  update(job: Job): void;
  done(): void;
}

export const createProgress = async (io: Io, write: "out" | "err", startedAt: number): Promise<Progress> => {
  const stream = write === "out" ? process.stdout : process.stderr;
  // A terminal of unknown width (columns 0) would get every line wrapped away: use plain lines there.
  if (io.isTTY && (stream.columns ?? 0) > 0) {
    const { createLogUpdate } = await import("log-update");
    const live = createLogUpdate(stream);
    let last: Job | undefined;
    // Elapsed time moves on between events too.
    const tick = setInterval(() => last && live(progressLine(last, startedAt)), 500);
    return {
      update: (job) => {
        last = job;
        live(progressLine(job, startedAt));
      },
      done: () => {
        clearInterval(tick);
        live.done();
      },
    };
  }
  let previous = "";
  return {
    update: (job) => {
      // Only changes: the elapsed time alone is not one.
      const key = JSON.stringify([job.status, job.workload?.phase, job.workload?.pods, job.workload?.problems]);
      if (key === previous) return;
      previous = key;
      io[write](progressLine(job, startedAt));
    },
    done: () => undefined,
  };
};
