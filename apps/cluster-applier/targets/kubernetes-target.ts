import * as k8s from "@kubernetes/client-node";
import { APPLIER_ACCESS, JOB_ID_LABEL, LOG_READER_ACCESS, MANAGED_BY_LABEL, MANAGED_BY_VALUE, namespaceFor, type ResourceRef } from "../../shared/contract";
import { modelTypeOf, toClientShape } from "../../shared/kube/client-models";
import type { Logger } from "../../shared/logging/logger";
import { applyOrder, applyWaves } from "../apply-order";
import { namespaceObjects, type IsolationSettings } from "../../shared/isolation/namespace-objects";
import { ApplyRefusedError, type ClusterTarget, type Manifest } from "./cluster-target";
import { withoutServerFields } from "./server-owned";
import { clearBlockers } from "./teardown";

/** Our name in every object's managedFields: whose fields these are. */
export const FIELD_MANAGER = "management-app";
/** Long enough for a graceful stop, short enough that rollbacks end well within their timeout. */
export const DEFAULT_POD_GRACE_SECONDS = 10;

export interface KubernetesTargetOptions {
  isolation: IsolationSettings;
  deleteTimeoutMs: number;
  /** How often to look whether a terminating namespace is gone. */
  deletePollMs?: number;
  /** The longest grace period a job's pods keep once their namespace is being deleted. */
  podGraceSeconds?: number;
  /** The read API's identities, bound in each job namespace to read its pods' logs (none: no binding). */
  logReaders?: readonly string[];
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
 * network policies, Pod Security "restricted"), a RoleBinding that gives the applier its
 * rights there and one that lets the read API read its pods' logs, there only
 * (apps/shared/contract/applier-access.ts). The job's objects then go in waves:
 * first what the others refer to (ServiceAccounts, Roles), then the rest; each wave is first
 * applied as a server-side dry run, all of it, then for real. A dry run persists nothing, so a
 * reference into the same wave would not resolve; with the fence and the earlier waves already
 * there, the dry run checks what the real apply will meet (quota included). Whenever the server
 * refuses an object, the namespace is removed again, so nothing of a refused job is left.
 * Rollback deletes the namespace (foreground), clears what the job left to hold it up
 * (finalizers, long grace periods) and waits until it is gone.
 */
export class KubernetesTarget implements ClusterTarget {
  readonly kind = "kubernetes" as const;
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly version: k8s.VersionApi;
  private readonly auth: k8s.AuthenticationV1Api;
  private identity?: Promise<string>;

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: KubernetesTargetOptions,
  ) {
    this.objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    this.version = kc.makeApiClient(k8s.VersionApi);
    this.auth = kc.makeApiClient(k8s.AuthenticationV1Api);
  }

  private ssa(obj: Manifest, dryRun: boolean) {
    const shaped = toClientShape(obj, modelTypeOf(String(obj.apiVersion), String(obj.kind))) as k8s.KubernetesObject;
    return this.objects.patch(shaped, undefined, dryRun ? "All" : undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }

  /** Who the server says we are (the subject of our binding in each job namespace). */
  private whoAmI(): Promise<string> {
    this.identity ??= this.auth
      .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } })
      .then((r) => {
        const name = r.status?.userInfo?.username;
        if (!name) throw new Error("the API server did not say who the applier is (SelfSubjectReview without a username)");
        return name;
      })
      .catch((err: unknown) => {
        this.identity = undefined;
        throw err;
      });
    return this.identity;
  }

  /** Applies each object of a wave; the refusals, all of them, as one error. */
  private async applyWave(wave: Manifest[], dryRun: boolean) {
    const refused: string[] = [];
    for (const obj of wave) {
      try {
        await this.ssa(obj, dryRun);
      } catch (err) {
        const e = apiError(err);
        const ref = refOf(obj);
        // A transient answer is retried by the broker; its message (the job's reason if the
        // retries give up) is the server's, not the client library's dump of headers.
        if (e && !isRefusal(e.code)) throw new Error(`${ref.kind}/${ref.name}: ${e.message} (HTTP ${e.code})`, { cause: err });
        if (!e) throw err;
        refused.push(`${ref.kind}/${ref.name}: ${e.message} (HTTP ${e.code})`);
        if (!dryRun) break; // the dry run passed, so this is a race (quota used up meanwhile, say)
      }
    }
    if (refused.length > 0) {
      throw new ApplyRefusedError(`the cluster refused ${refused.length} object(s)${dryRun ? " in a dry run" : ""}; the job's namespace was removed, nothing of it is left: ${refused.join("; ")}`);
    }
  }

  async apply(jobId: string, manifests: Manifest[], tenant?: string): Promise<ResourceRef[]> {
    const [namespace, ...fence] = namespaceObjects(jobId, this.opts.isolation, tenant);
    const access = accessBinding(jobId, await this.whoAmI());
    const readers = this.opts.logReaders?.length ? [logReaderBinding(jobId, this.opts.logReaders)] : [];
    const waves = applyWaves(manifests.map(withoutServerFields));
    await this.ssa(namespace!, false);
    try {
      await this.applyWave([access], false);
      // Both need the applier's rights in the namespace, which the binding above gives.
      await this.applyWave([...fence, ...readers], false);
      for (const wave of waves) {
        await this.applyWave(wave, true);
        await this.applyWave(wave, false);
      }
    } catch (err) {
      if (err instanceof ApplyRefusedError) {
        await this.rollback(jobId).catch((e: unknown) => this.opts.logger.warn({ jobId, err: (e as Error).message }, "could not remove the refused job's namespace"));
      }
      throw err;
    }
    this.opts.logger.info({ jobId, objects: fence.length + manifests.length }, "applied to the cluster");
    return applyOrder(manifests).map(refOf);
  }

  private async deleteNamespace(jobId: string): Promise<boolean> {
    try {
      await this.objects.delete({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespaceFor(jobId) } }, undefined, undefined, undefined, undefined, "Foreground");
      return true;
    } catch (err) {
      const code = apiError(err)?.code;
      if (code === 404) return false;
      // Already being deleted (a rollback redelivered after its applier died): older API servers
      // answer 409 Conflict instead of returning the namespace (kubernetes
      // pkg/registry/core/namespace/storage/storage.go REST.Delete, "The system is ensuring all
      // content is removed from this namespace"). Either way the deletion is under way.
      if (code === 409) return true;
      throw err;
    }
  }

  private async namespaceExists(name: string): Promise<boolean> {
    try {
      await this.objects.read({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      return true;
    } catch (err) {
      if (apiError(err)?.code === 404) return false;
      throw err;
    }
  }

  async rollback(jobId: string): Promise<ResourceRef[]> {
    const name = namespaceFor(jobId);
    const existed = await this.deleteNamespace(jobId);
    // ROLLED_BACK must mean gone, not "terminating": wait for the namespace to disappear,
    // clearing on the way what the job left to hold it up.
    const deadline = Date.now() + this.opts.deleteTimeoutMs;
    while (await this.namespaceExists(name)) {
      const left = await clearBlockers(this.objects, name, this.opts.podGraceSeconds ?? DEFAULT_POD_GRACE_SECONDS);
      if (Date.now() > deadline) throw new Error(`namespace ${name} is still terminating after ${this.opts.deleteTimeoutMs} ms (${left} object(s) left)`);
      await new Promise((r) => setTimeout(r, this.opts.deletePollMs ?? 1000));
    }
    return existed ? [{ apiVersion: "v1", kind: "Namespace", name }] : [];
  }

  async check(): Promise<void> {
    await this.version.getCode();
  }
}

/** The applier's rights inside one job namespace; its finalizer keeps them until rollback ends. */
const accessBinding = (jobId: string, user: string): Manifest => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: {
    name: APPLIER_ACCESS.jobBinding,
    namespace: namespaceFor(jobId),
    labels: { [JOB_ID_LABEL]: jobId, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    finalizers: [APPLIER_ACCESS.bindingFinalizer],
  },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: APPLIER_ACCESS.jobClusterRole },
  subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
});

/**
 * The read API's log access inside one job namespace. GKE presents a Google service account to
 * RBAC as the User named by its email
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/role-based-access-control, "Define and
 * assign permissions": an IAM service account is a subject of kind User). No finalizer: while the
 * namespace terminates, live reads may be refused and the saved logs answer instead.
 */
const logReaderBinding = (jobId: string, users: readonly string[]): Manifest => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: {
    name: LOG_READER_ACCESS.jobBinding,
    namespace: namespaceFor(jobId),
    labels: { [JOB_ID_LABEL]: jobId, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
  },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: LOG_READER_ACCESS.clusterRole },
  subjects: users.map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name })),
});
