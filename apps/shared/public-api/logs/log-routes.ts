import { Router, type RequestHandler, type Response } from "express";
import { drainedOrClosed } from "../../http/drained";
import { LOG_CONTAINERS_HEADER, LOG_SOURCE_HEADER, LogsQuery, type JobView, type TargetKind } from "../../contract";
import { AppError, badRequest, notFound } from "../../errors/app-error";
import { tenantOf } from "../../http/auth";
import type { Logger } from "../../logging/logger";
import type { JobRepository } from "../../state/job-repository";
import type { ObjectStore } from "../../storage/object-store";
import type { StreamBudget } from "../events/event-routes";
import type { LogStream, PodLogs } from "./pod-logs";
import { lastLines, savedContainers } from "./saved-logs";

export interface LogRouteDeps {
  jobs: JobRepository;
  store: ObjectStore;
  /** Absent when the applier's target is the dry run (there is no cluster to ask). */
  pods?: PodLogs;
  target: TargetKind;
  streams: StreamBudget;
  logger: Logger;
  /** Containers read at once from the cluster per request (LOG_MAX_CONTAINERS). */
  maxContainers?: number;
}

const startText = (res: Response, source: "live" | "saved") => {
  res.status(200).set({ "Content-Type": "text/plain; charset=utf-8", [LOG_SOURCE_HEADER]: source, "X-Accel-Buffering": "no" });
  res.flushHeaders();
};

/**
 * `GET /jobs/:id/logs`: from the cluster while the job's pods exist (follow=true streams),
 * from storage once they are gone (the applier saved each container's last 1 MiB). Several
 * containers are merged line by line, each line prefixed `[pod/container] `, as
 * `kubectl logs --prefix` does.
 */
export const logRoutes = (deps: LogRouteDeps, auth: RequestHandler): Router => {
  const r = Router();

  r.get("/jobs/:id/logs", auth, async (req, res) => {
    const id = req.params.id as string;
    const q = LogsQuery.safeParse(req.query);
    if (!q.success) throw badRequest(`invalid query: ${q.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const job = await deps.jobs.getOwned(id, tenantOf(res));
    if ((job.target ?? deps.target) === "dry-run") {
      throw notFound(`job ${id} has no logs: the dry-run target runs nothing (it only records what it would apply); see GET /jobs/${id}/manifests`);
    }
    const { container, tailLines, follow, sinceSeconds, timestamps, previous } = q.data;

    // ROLLED_BACK: the applier removed the job's namespace and waited until it was gone, so the
    // saved copy is all there is; asking the cluster would only be refused (the read API's
    // RoleBinding went with the namespace, and RBAC answers 403 before the 404).
    const namespaceGone = job.status === "ROLLED_BACK";
    let live = deps.pods && !namespaceGone ? await deps.pods.containers(id).catch((err: Error) => liveUnavailable(deps, job, err)) : [];
    if (container) live = live.filter((c) => c.container === container);
    if (live.length > 0) {
      // Bounded fan-out through the shared API server: at most LOG_MAX_CONTAINERS streams per
      // request (kubectl refuses more than its --max-log-requests, 5 by default), and the request
      // holds one place in the tenant's stream budget whether it follows or not.
      const max = deps.maxContainers ?? Infinity;
      const shown = live.slice(0, max);
      let streams: LogStream[] = [];
      deps.streams.take(res, () => streams.forEach((s) => s.abort()), tenantOf(res));
      streams = (await Promise.allSettled(shown.map((c) => deps.pods!.open(id, c, { follow, tailLines, sinceSeconds, timestamps, previous })))).flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
      if (res.destroyed) streams.forEach((s) => s.abort());
      if (streams.length === 0) throw new AppError(`the job's containers have no logs yet (${shown.map((c) => `${c.pod}/${c.container}`).join(", ")}); retry once they started`, { status: 409 });
      if (live.length > shown.length) res.set(LOG_CONTAINERS_HEADER, `${shown.length}/${live.length}`);
      startText(res, "live");
      res.on("close", () => streams.forEach((s) => s.abort()));
      await Promise.all(streams.map((s) => pump(s, res, streams.length > 1)));
      res.end();
      return;
    }

    const saved = (await savedContainers(deps.store, id)).filter((c) => !container || c.container === container);
    if (saved.length === 0) {
      const why = container ? `no container named ${container} has logs` : "it has no pods now and no logs were saved";
      throw notFound(`job ${id} (${job.status}) has no logs: ${why}`);
    }
    const liveOnly = [sinceSeconds && "sinceSeconds", timestamps && "timestamps", previous && "previous"].filter(Boolean);
    if (liveOnly.length > 0) {
      throw badRequest(`job ${id} has no running pods, and its saved logs (the last 1 MiB of each container) keep no times and no previous runs: ask without ${liveOnly.join(", ")}`);
    }
    startText(res, "saved");
    for (const c of saved) {
      const text = (await deps.store.get(c.key)).toString("utf8");
      const prefix = saved.length > 1 ? `[${c.pod}/${c.container}] ` : "";
      for (const line of lastLines(text, tailLines)) res.write(`${prefix}${line}\n`);
    }
    res.end();
  });

  return r;
};

/**
 * The cluster cannot be asked: saved logs may still answer; the log says why live ones did not.
 * While a rollback is under way the namespace (and the read API's binding in it) is going, so a
 * refusal is expected then and not worth a warning.
 */
const liveUnavailable = (deps: LogRouteDeps, job: JobView, err: Error) => {
  const level = job.status === "ROLLING_BACK" ? "debug" : "warn";
  deps.logger[level]({ jobId: job.id, err: err.message }, "could not list the job's pods; trying saved logs");
  return [];
};

/** One container's lines to the response; a client that does not read pauses the container's stream (backpressure). */
const pump = async (s: LogStream, res: Response, prefixed: boolean) => {
  const prefix = prefixed ? `[${s.name}] ` : "";
  for await (const line of s.lines) {
    if (res.writableEnded || res.destroyed) break;
    if (!res.write(`${prefix}${line}\n`)) await drainedOrClosed(res);
  }
};
