import { z } from "zod";

const Amount = z.object({
  /** A Kubernetes quantity as Kueue reports it (`16`, `64Gi`, `2`). */
  nominal: z.string().describe("the tenant's guaranteed quota"),
  used: z.string().describe("what its admitted workloads hold"),
  borrowed: z.string().describe("the part of `used` above the quota, lent by the cohort"),
  cohortIdle: z.string().describe("what other tenants of the cohort leave unused now, which this tenant may borrow"),
});

/** What GET /queues returns: the caller's Kueue ClusterQueue, as the cluster reports it. */
export const QueueView = z.object({
  tenant: z.string(),
  clusterQueue: z.string(),
  cohort: z.string().optional(),
  /** Per flavor (node pool) and resource. */
  flavors: z.array(z.object({ name: z.string(), resources: z.record(z.string(), Amount) })),
  pendingWorkloads: z.number().int().describe("workloads waiting for admission"),
  admittedWorkloads: z.number().int(),
  /** Kueue's Active condition: false when the queue cannot admit (a missing flavor, stopped). */
  active: z.boolean(),
  activeMessage: z.string().optional(),
  observedAt: z.string(),
});
export type QueueView = z.infer<typeof QueueView>;
