import type { JobEvent, ServiceEnv } from "../shared/contract";
import { failJobOnGiveUp } from "../shared/messaging/report-failure";
import type { Logger } from "../shared/logging/logger";
import { connectBroker } from "../shared/messaging/connect-broker";
import type { ServiceHandle } from "../shared/runtime/service-handle";
import { createStore } from "../shared/storage/create-store";
import { admissionPolicyOf } from "../shared/admission/policy-from-env";
import { yamlManagerHandler } from "./handler";

export const startYamlManager = async (env: ServiceEnv<"yaml-manager">, logger: Logger): Promise<ServiceHandle> => {
  const store = createStore(env);
  const broker = await connectBroker(env, "yaml-manager", logger);
  const policy = admissionPolicyOf(env);
  const publish = (e: JobEvent) => broker.publish(e);
  await broker.consume("yaml-manager", yamlManagerHandler({ publish, store, policy }), failJobOnGiveUp(publish));
  return {
    name: "yaml-manager",
    readiness: [
      { name: "broker", check: () => broker.check() },
      { name: "storage", check: () => store.check() },
    ],
    stop: () => broker.close(),
  };
};
