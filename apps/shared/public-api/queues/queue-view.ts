import { quantity } from "../../admission/quantity";
import { clusterQueueFor, type QueueView } from "../../contract";

/** The parts of a kueue.x-k8s.io/v1beta2 ClusterQueue read here (apis/kueue/v1beta2/clusterqueue_types.go at v0.19.2). */
export interface ClusterQueueObject {
  metadata?: { name?: string };
  spec?: {
    cohortName?: string;
    resourceGroups?: { coveredResources?: string[]; flavors?: { name: string; resources?: { name: string; nominalQuota?: string | number }[] }[] }[];
  };
  status?: {
    flavorsUsage?: { name: string; resources?: { name: string; total?: string | number; borrowed?: string | number }[] }[];
    pendingWorkloads?: number;
    admittedWorkloads?: number;
    conditions?: { type: string; status: string; message?: string }[];
  };
}

const num = (q: string | number | undefined) => quantity(q ?? 0) ?? 0;
/** A figure back as a quantity: memory in Gi, everything else as a plain number. */
const fmt = (n: number, resource: string) => (resource === "memory" ? `${Math.round((n / 2 ** 30) * 100) / 100}Gi` : `${Math.round(n * 1000) / 1000}`);

/**
 * The tenant's queue: nominal quota, usage and borrowing per flavor from its ClusterQueue, and
 * what the cohort's other ClusterQueues leave idle (nominal − used, never below 0): the most it
 * could borrow right now, since the platform sets no borrowing or lending limits.
 */
export const queueView = (tenant: string, all: ClusterQueueObject[], observedAt: string): QueueView | undefined => {
  const name = clusterQueueFor(tenant);
  const own = all.find((q) => q.metadata?.name === name);
  if (!own) return undefined;
  const cohort = own.spec?.cohortName;
  const peers = cohort ? all.filter((q) => q !== own && q.spec?.cohortName === cohort) : [];
  const usage = (q: ClusterQueueObject, flavor: string, resource: string) => q.status?.flavorsUsage?.find((f) => f.name === flavor)?.resources?.find((r) => r.name === resource);
  const nominal = (q: ClusterQueueObject, flavor: string, resource: string) =>
    num(q.spec?.resourceGroups?.flatMap((g) => g.flavors ?? []).find((f) => f.name === flavor)?.resources?.find((r) => r.name === resource)?.nominalQuota);
  const flavors = (own.spec?.resourceGroups ?? []).flatMap((g) => g.flavors ?? []).map((f) => ({
    name: f.name,
    resources: Object.fromEntries(
      (f.resources ?? []).map((r) => {
        const idle = peers.reduce((t, p) => t + Math.max(0, nominal(p, f.name, r.name) - num(usage(p, f.name, r.name)?.total)), 0);
        const u = usage(own, f.name, r.name);
        return [r.name, { nominal: fmt(num(r.nominalQuota), r.name), used: fmt(num(u?.total), r.name), borrowed: fmt(num(u?.borrowed), r.name), cohortIdle: fmt(idle, r.name) }];
      }),
    ),
  }));
  const active = own.status?.conditions?.find((c) => c.type === "Active");
  return {
    tenant,
    clusterQueue: name,
    ...(cohort ? { cohort } : {}),
    flavors,
    pendingWorkloads: own.status?.pendingWorkloads ?? 0,
    admittedWorkloads: own.status?.admittedWorkloads ?? 0,
    active: active?.status === "True",
    ...(active?.message ? { activeMessage: active.message } : {}),
    observedAt,
  };
};
