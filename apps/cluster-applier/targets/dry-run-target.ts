import { namespaceFor, type ResourceRef } from "../../shared/contract";
import { jobKeys } from "../../shared/storage/job-keys";
import { getJson, putJson, type ObjectStore } from "../../shared/storage/object-store";
import { applyOrder } from "../apply-order";
import type { ClusterTarget, Manifest } from "./cluster-target";

export interface DryRunRecord {
  target: "dry-run";
  namespace: string;
  appliedAt: string;
  /** The objects, in the order a real apply would send them. */
  objects: Manifest[];
}

const refOf = (m: Manifest): ResourceRef => {
  const meta = m.metadata as { name: string; namespace?: string };
  return { apiVersion: String(m.apiVersion), kind: String(m.kind), namespace: meta.namespace, name: meta.name };
};

/**
 * The local default when there is no cluster: records exactly what would be applied (in
 * storage, next to the job) and what a rollback would delete. Nothing else happens.
 */
export class DryRunTarget implements ClusterTarget {
  readonly kind = "dry-run" as const;

  constructor(private readonly store: ObjectStore) {}

  async apply(jobId: string, manifests: Manifest[]): Promise<ResourceRef[]> {
    const objects = applyOrder(manifests);
    const record: DryRunRecord = { target: "dry-run", namespace: namespaceFor(jobId), appliedAt: new Date().toISOString(), objects };
    await putJson(this.store, jobKeys(jobId).applied(this.kind), record);
    return objects.map(refOf);
  }

  async rollback(jobId: string): Promise<ResourceRef[]> {
    const keys = jobKeys(jobId);
    if (!(await this.store.exists(keys.applied(this.kind)))) return [];
    const record = await getJson<DryRunRecord>(this.store, keys.applied(this.kind));
    // Deletion happens in reverse apply order, as a real rollback would.
    const deleted = record.objects.map(refOf).reverse();
    await putJson(this.store, keys.rolledBack(this.kind), { target: this.kind, rolledBackAt: new Date().toISOString(), deleted });
    await this.store.delete(keys.applied(this.kind));
    return deleted;
  }

  async check(): Promise<void> {
    await this.store.check();
  }
}
