import * as k8s from "@kubernetes/client-node";
import { namespaceFor, type ResourceRef } from "../../shared/contract";
import { modelTypeOf, toClientShape } from "../../shared/kube/client-models";
import type { Logger } from "../../shared/logging/logger";
import { applyOrder } from "../apply-order";
import { clearUserFinalizers } from "../isolation/clear-finalizers";
import { namespaceObjects, type IsolationSettings } from "../isolation/namespace-objects";
import { ApplyRefusedError, type ClusterTarget, type Manifest } from "./cluster-target";

/** Our name in every object's managedFields: whose fields these are. */
export const FIELD_MANAGER = "management-app";

export interface KubernetesTargetOptions {
  isolation: IsolationSettings;
  deleteTimeoutMs: number;
  /** How often to look whether a terminating namespace is gone. */
  deletePollMs?: number;
  /** How long a namespace may terminate before user finalizers in it are cleared (then again as often). */
  clearFinalizersAfterMs?: number;
  logger: Logger;
}

const refOf = (m: Manifest): ResourceRef => {
  const meta = m.metadata as { name: string; namespace?: string };
  return { apiVersion: String(m.apiVersion), kind: String(m.kind), namespace: meta.namespace, name: meta.name };
};

/** The API server's answer, when it gave one: status code and its message. */
const apiError = (err: unknown): { code: number; message: string } | undefined => {
  if (!(err instanceof k8s.ApiException)) return undefined;
  let message = err.message;
  try {
    const body = typeof err.body === "string" ? JSON.parse(err.body) : err.body;
    if (body && typeof body.message === "string") message = body.message;
  } catch {
    /* not JSON: keep the exception's message */
  }
  return { code: err.code, message };
};

// 4xx means the server looked at the object and said no; retrying would not change that.
// 408 and 429 are the exceptions: the server is busy, not refusing.
const isRefusal = (code: number) => code >= 400 && code < 500 && code !== 408 && code !== 429;

/**
 * The `deployments` cluster. Every job gets its own namespace with its fence (quota, limits,
 * network policies, Pod Security "restricted"); the job's objects are first applied as a
 * server-side dry run, all of them, so nothing is half-applied when the server refuses one;
 * then applied for real with server-side apply, in an order that works. Rollback deletes the
 * namespace (foreground) and waits until it is gone.
 */
export class KubernetesTarget implements ClusterTarget {
  readonly kind = "kubernetes" as const;
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly version: k8s.VersionApi;

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: KubernetesTargetOptions,
  ) {
    this.objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    this.version = kc.makeApiClient(k8s.VersionApi);
  }

  private ssa(obj: Manifest, dryRun: boolean) {
    const shaped = toClientShape(obj, modelTypeOf(String(obj.apiVersion), String(obj.kind))) as k8s.KubernetesObject;
    return this.objects.patch(shaped, undefined, dryRun ? "All" : undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }

  async apply(jobId: string, manifests: Manifest[]): Promise<ResourceRef[]> {
    const [namespace, ...fence] = namespaceObjects(jobId, this.opts.isolation);
    // The namespace must exist for a dry run of what goes in it; it is ours and empty.
    await this.ssa(namespace!, false);
    const objects = [...fence, ...applyOrder(manifests)];

    const refused: string[] = [];
    for (const obj of objects) {
      try {
        await this.ssa(obj, true);
      } catch (err) {
        const e = apiError(err);
        if (!e || !isRefusal(e.code)) throw err;
        const ref = refOf(obj);
        refused.push(`${ref.kind}/${ref.name}: ${e.message} (HTTP ${e.code})`);
      }
    }
    if (refused.length > 0) {
      await this.deleteNamespace(jobId).catch(() => undefined);
      throw new ApplyRefusedError(`the cluster refused ${refused.length} object(s), nothing was applied: ${refused.join("; ")}`);
    }

    for (const obj of objects) {
      try {
        await this.ssa(obj, false);
      } catch (err) {
        const e = apiError(err);
        // The dry run passed, so a refusal now is a race (quota used up meanwhile, say).
        if (e && isRefusal(e.code)) throw new ApplyRefusedError(`${refOf(obj).kind}/${refOf(obj).name}: ${e.message} (HTTP ${e.code})`);
        throw err;
      }
    }
    this.opts.logger.info({ jobId, objects: objects.length }, "applied to the cluster");
    return applyOrder(manifests).map(refOf);
  }

  private async deleteNamespace(jobId: string): Promise<boolean> {
    try {
      await this.objects.delete({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespaceFor(jobId) } }, undefined, undefined, undefined, undefined, "Foreground");
      return true;
    } catch (err) {
      if (apiError(err)?.code === 404) return false;
      throw err;
    }
  }

  async rollback(jobId: string): Promise<ResourceRef[]> {
    const name = namespaceFor(jobId);
    const existed = await this.deleteNamespace(jobId);
    // ROLLED_BACK must mean gone, not "terminating": wait for the namespace to disappear.
    const deadline = Date.now() + this.opts.deleteTimeoutMs;
    const clearEvery = this.opts.clearFinalizersAfterMs ?? 5000;
    let nextClear = Date.now() + clearEvery;
    for (;;) {
      try {
        await this.objects.read({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      } catch (err) {
        if (apiError(err)?.code === 404) break;
        throw err;
      }
      if (Date.now() > deadline) throw new Error(`namespace ${name} is still terminating after ${this.opts.deleteTimeoutMs} ms`);
      // Never wait on a user's finalizer: the job's own objects are ours to let go.
      if (Date.now() >= nextClear) {
        const cleared = await clearUserFinalizers(this.objects, name, FIELD_MANAGER);
        if (cleared.length > 0) this.opts.logger.warn({ jobId, cleared }, "cleared user finalizers that held the job's namespace");
        nextClear = Date.now() + clearEvery;
      }
      await new Promise((r) => setTimeout(r, this.opts.deletePollMs ?? 1000));
    }
    return existed ? [{ apiVersion: "v1", kind: "Namespace", name }] : [];
  }

  async check(): Promise<void> {
    await this.version.getCode();
  }
}

/** Credentials for the deployments cluster: a kubeconfig file, or the pod's service account. */
export const loadKubeConfig = (path: string): k8s.KubeConfig => {
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
};
