import type { JobEvent, ServiceEnv } from "../shared/contract";
import { failJobOnGiveUp } from "../shared/messaging/report-failure";
import type { Logger } from "../shared/logging/logger";
import { connectBroker } from "../shared/messaging/connect-broker";
import { freshEventId } from "../shared/messaging/event-ids";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { createStore } from "../shared/storage/create-store";
import type { ObjectStore } from "../shared/storage/object-store";
import { clusterApplierHandler, removeThenFailOnGiveUp } from "./handler";
import type { ClusterTarget } from "./targets/cluster-target";
import { DryRunTarget } from "./targets/dry-run-target";
import { loadKubeConfig } from "../shared/kube/kube-config";
import { KubernetesTarget } from "./targets/kubernetes-target";
import { isolationFromEnv } from "../shared/isolation/namespace-objects";
import { WorkloadWatcher } from "./workload/workload-watcher";
import { PodLogSaver } from "./logs/pod-log-saver";
import { UsageTracker } from "./workload/usage-tracker";

const createTarget = (env: ServiceEnv<"cluster-applier">, store: ObjectStore, logger: Logger): ClusterTarget =>
  env.APPLIER_TARGET === "dry-run"
    ? new DryRunTarget(store)
    : new KubernetesTarget(loadKubeConfig(env.KUBECONFIG_PATH), {
        isolation: isolationFromEnv(env),
        deleteTimeoutMs: env.NAMESPACE_DELETE_TIMEOUT_SECONDS * 1000,
        logReaders: env.LOG_READER_USERS,
        logger,
      });

export const startClusterApplier = async (env: ServiceEnv<"cluster-applier">, logger: Logger): Promise<ServiceHandle> => {
  if (env.APPLIER_TARGET === "kubernetes" && env.LOG_READER_USERS.length === 0) {
    logger.warn("LOG_READER_USERS is empty: the applier binds no one to read job pods' logs (the read API then serves saved logs only)");
  }
  const store = createStore(env);
  const target = createTarget(env, store, logger);
  const broker = await connectBroker(env, "cluster-applier", logger);
  const publish = (e: JobEvent) => broker.publish(e);
  // Logs outlive the pods: saved when a pod ends and before a rollback deletes the namespace.
  const logSaver = target instanceof KubernetesTarget ? new PodLogSaver(loadKubeConfig(env.KUBECONFIG_PATH), store, { logger }) : undefined;
  const beforeRollback = logSaver ? (jobId: string) => logSaver.saveJob(jobId) : undefined;
  const handler = clusterApplierHandler({ publish, store, target, beforeRollback });
  await broker.consume("cluster-applier", handler, removeThenFailOnGiveUp({ publish, target }));
  // Rollbacks come on their own queue, with their own prefetch window (contract topology).
  await broker.consume("cluster-applier-rollback", handler, failJobOnGiveUp(publish));
  // With a real cluster, report what each job's objects do there (watch, not poll), and what
  // its pods hold on nodes (usage).
  const usage = new UsageTracker({
    logger,
    rates: { cpuCoreHourUsd: env.USAGE_CPU_CORE_HOUR_USD, memoryGiBHourUsd: env.USAGE_MEMORY_GIB_HOUR_USD, gpuHourUsd: env.USAGE_GPU_HOUR_USD },
    report: (jobId, tenant, pods, rates) => broker.publish({ type: "job.usage", eventId: freshEventId(), jobId, tenant, at: new Date().toISOString(), pods, rates }),
  });
  const watcher =
    target instanceof KubernetesTarget
      ? new WorkloadWatcher(loadKubeConfig(env.KUBECONFIG_PATH), {
          logger,
          onPod: (jobId, tenant, pod, deleted) => usage.observe(jobId, tenant, pod, deleted),
          report: (jobId, tenant, workload) =>
            broker.publish({ type: "job.workload", eventId: freshEventId(), jobId, tenant, at: workload.observedAt, workload }),
        })
      : undefined;
  await watcher?.start();
  await logSaver?.start();
  if (watcher) usage.start();
  return {
    name: "cluster-applier",
    readiness: [
      { name: "broker", check: () => broker.check() },
      { name: "target", check: () => target.check() },
    ],
    stop: async () => {
      await watcher?.stop();
      await logSaver?.stop();
      await usage.stop();
      await broker.close();
    },
  };
};
