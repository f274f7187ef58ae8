import type { ServiceEnv } from "../shared/contract";
import type { Logger } from "../shared/logging/logger";
import { connectBroker } from "../shared/messaging/connect-broker";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { createStore } from "../shared/storage/create-store";
import type { ObjectStore } from "../shared/storage/object-store";
import { clusterApplierHandler } from "./handler";
import type { ClusterTarget } from "./targets/cluster-target";
import { DryRunTarget } from "./targets/dry-run-target";

const createTarget = (kind: ServiceEnv<"cluster-applier">["APPLIER_TARGET"], store: ObjectStore): ClusterTarget => {
  if (kind === "dry-run") return new DryRunTarget(store);
  throw new Error("APPLIER_TARGET=kubernetes is not available yet (issue 3); use dry-run");
};

export const startClusterApplier = async (env: ServiceEnv<"cluster-applier">, logger: Logger): Promise<ServiceHandle> => {
  const store = createStore(env);
  const target = createTarget(env.APPLIER_TARGET, store);
  const broker = await connectBroker(env, "cluster-applier", logger);
  await broker.consume("cluster-applier", clusterApplierHandler({ publish: (e) => broker.publish(e), store, target }));
  return {
    name: "cluster-applier",
    readiness: [
      { name: "broker", check: () => broker.check() },
      { name: "target", check: () => target.check() },
    ],
    stop: () => broker.close(),
  };
};
