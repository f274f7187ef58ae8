import type { EventType } from "./events";

/**
 * RabbitMQ topology, shared by the services (which declare it) and infra/ (which sizes
 * KEDA triggers and alerts from it). Every name takes a prefix so that test runs and
 * stacks sharing one broker never collide.
 */
export const SERVICE_QUEUES = ["yaml-manager", "cluster-applier", "cluster-applier-rollback", "status-worker"] as const;
export type ServiceQueue = (typeof SERVICE_QUEUES)[number];

export const BINDINGS: Readonly<Record<ServiceQueue, readonly (EventType | "job.#")[]>> = {
  "yaml-manager": ["job.submitted"],
  "cluster-applier": ["job.validated"],
  // Rollbacks on a queue (and so a consumer window) of their own: one that waits on a slow
  // namespace deletion must never hold up applies, nor applies a rollback.
  "cluster-applier-rollback": ["job.deleted"],
  // The status worker hears everything; nobody sends to it explicitly.
  "status-worker": ["job.#"],
};

/** Attempts before a message is dead-lettered (a poison message must not loop forever). */
export const DEFAULT_DELIVERY_LIMIT = 5;

export interface Topology {
  exchange: string;
  deadLetterExchange: string;
  queue(service: ServiceQueue): string;
  deadLetterQueue(service: ServiceQueue): string;
}

export const topology = (prefix: string): Topology => {
  const p = prefix ? `${prefix}.` : "";
  return {
    exchange: `${p}jobs`,
    deadLetterExchange: `${p}jobs.dlx`,
    queue: (s) => `${p}${s}`,
    deadLetterQueue: (s) => `${p}${s}.dlq`,
  };
};

/** Arguments of every service queue: quorum (replicated), bounded redelivery, safe DLX. */
export const queueArguments = (t: Topology, service: ServiceQueue, deliveryLimit: number) => ({
  "x-queue-type": "quorum",
  "x-delivery-limit": deliveryLimit,
  "x-dead-letter-exchange": t.deadLetterExchange,
  "x-dead-letter-routing-key": service,
  // at-least-once dead-lettering: the broker keeps a message until the DLQ confirms it.
  "x-dead-letter-strategy": "at-least-once",
  "x-overflow": "reject-publish",
});
