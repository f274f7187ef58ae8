import * as k8s from "@kubernetes/client-node";
import { ADMITTED_KINDS, APPLIER_ACCESS, KUEUE_API_VERSION } from "../../shared/contract";

/** Finalizers of Kubernetes' own controllers: they clear them themselves once the pods are gone. */
const isKubernetesFinalizer = (f: string) => !f.includes("/") || /(^|\.)(kubernetes\.io|k8s\.io)\//.test(f);

type Listed = k8s.KubernetesObject & { spec?: { terminationGracePeriodSeconds?: number } };

/**
 * What a terminating job namespace may hold: the job's kinds, and Kueue's Workloads (one for every
 * queued Job or pod group, with Kueue's finalizer, KUEUE_FINALIZERS in the contract). Kueue removes
 * that finalizer while it runs; with Kueue down or uninstalled nothing does. Jobs cannot create or
 * change Workloads (apps/shared/admission/rbac.ts), so any finalizer on one that is not
 * Kubernetes' own is Kueue's. The finalizer of Kueue's pod integration is on the job's Pods, a
 * job kind. Kueue's kinds may not be served (Kueue uninstalled with its CRDs): then there are none.
 */
const KINDS: readonly { apiVersion: string; kind: string; optional?: boolean }[] = [...ADMITTED_KINDS, { apiVersion: KUEUE_API_VERSION, kind: "Workload", optional: true }];

/**
 * One pass over a terminating job namespace, removing what would hold it up past the rollback's
 * timeout. A namespace is gone only when its content is (kubernetes/kubernetes v1.36
 * pkg/controller/namespace/deletion/namespaced_resources_deleter.go), and an object is gone only
 * when its finalizers are (kubernetes/apiserver@v0.36.3 pkg/registry/generic/registry/store.go)
 * and, for a pod, when its grace period has run out (pkg/registry/core/pod/strategy.go). Both come
 * from the job: so finalizers that are not Kubernetes' own are removed, and pods still within a
 * grace period longer than `podGraceSeconds` are deleted again with that shorter one (the only
 * change a pending graceful deletion accepts, kubernetes/apiserver pkg/registry/rest/delete.go).
 * Kueue's Workloads are cleared the same way (their finalizer waits for Kueue, which may be gone).
 * When nothing else is left, the applier releases its own access binding, the last object.
 * Returns how many objects are still there.
 */
export const clearBlockers = async (api: k8s.KubernetesObjectApi, namespace: string, podGraceSeconds: number): Promise<number> => {
  let remaining = 0;
  let access: k8s.KubernetesObject | undefined;
  for (const { apiVersion, kind, optional } of KINDS) {
    for (const item of await listItems(api, apiVersion, kind, namespace, optional)) {
      const meta = item.metadata ?? {};
      if (kind === "RoleBinding" && meta.name === APPLIER_ACCESS.jobBinding) {
        access = item;
        continue;
      }
      remaining += 1;
      if (!meta.deletionTimestamp) continue; // the namespace controller has not reached it yet
      const ref = { apiVersion, kind, metadata: { name: meta.name, namespace } };
      if (kind === "Pod" && (meta.deletionGracePeriodSeconds ?? 0) > podGraceSeconds) {
        await ignoreGone(api.delete(ref, undefined, undefined, podGraceSeconds));
      }
      const finalizers = meta.finalizers ?? [];
      if (finalizers.some((f) => !isKubernetesFinalizer(f))) {
        await ignoreGone(mergePatch(api, { ...ref, metadata: { ...ref.metadata, finalizers: finalizers.filter(isKubernetesFinalizer) } }));
      }
    }
  }
  if (access && remaining === 0 && access.metadata?.deletionTimestamp) {
    const finalizers = (access.metadata.finalizers ?? []).filter((f) => f !== APPLIER_ACCESS.bindingFinalizer);
    await ignoreGone(mergePatch(api, { apiVersion: access.apiVersion ?? "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: APPLIER_ACCESS.jobBinding, namespace, finalizers } }));
  }
  return remaining + (access ? 1 : 0);
};

/** The kind's objects in the namespace; for an optional kind, none when the cluster does not serve it. */
const listItems = async (api: k8s.KubernetesObjectApi, apiVersion: string, kind: string, namespace: string, optional = false): Promise<Listed[]> => {
  try {
    return (await api.list<Listed>(apiVersion, kind, namespace)).items;
  } catch (err) {
    if (!optional) throw err;
    // Discovery of the group answers 404 without the CRDs; a group served without this kind makes
    // the client throw before any request (@kubernetes/client-node 1.4 src/object.ts specUriPath).
    if (err instanceof k8s.ApiException && err.code === 404) return [];
    if (err instanceof Error && err.message.startsWith("Unrecognized API version and kind")) return [];
    throw err;
  }
};

const mergePatch = (api: k8s.KubernetesObjectApi, patch: k8s.KubernetesObject) =>
  api.patch(patch, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);

/** Gone meanwhile is what we wanted. */
const ignoreGone = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
  }
};
