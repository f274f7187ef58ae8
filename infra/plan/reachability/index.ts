import { DEFAULT_ISOLATION } from "../../../apps/shared/contract";
// The applier's own fence builder: the job namespaces' NetworkPolicies are the ones it installs.
// (If apps/ moves it, only this import follows.)
import { namespaceObjects } from "../../../apps/shared/isolation/namespace-objects";
import { APP_NAMESPACE } from "../../management-app/identities";
import type { CidrPlan } from "../../network/cidr-plan";
import type { OfflineRun } from "../offline-run";
import { unwrapSecrets } from "./graph";
import { computeReachability, type Matrix } from "./model";

export { computeReachability, differences, renderMatrix, gkeRules, type Matrix, type Cell } from "./model";

/** A job namespace's NetworkPolicies as the applier creates them (egress as the stack configures it: none extra). */
export const jobFence = (egress = DEFAULT_ISOLATION.egress) =>
  namespaceObjects("reachability-probe", { ...DEFAULT_ISOLATION, egress })
    .filter((o) => o.kind === "NetworkPolicy")
    .map((o) => {
      const meta = o.metadata as { namespace: string; name: string };
      return { name: meta.name, namespace: meta.namespace, spec: o.spec as Record<string, unknown> };
    });

/** The matrix of a mocked run of the program (secrets unwrapped by the caller or not present in what is read). */
export const reachabilityOf = (run: OfflineRun): Matrix =>
  computeReachability({
    resources: run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> })),
    cidrs: run.outputs.cidrPlan as CidrPlan,
    hubAddresses: run.outputs.hubAddresses as Record<string, string>,
    jobFence: jobFence(),
    entrypoint: { namespace: APP_NAMESPACE, labels: { "app.kubernetes.io/name": "entrypoint", "app.kubernetes.io/part-of": "management-app" } },
  });
