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

/**
 * The dead-letter queues' own delivery limit. Since RabbitMQ 4.0 every quorum queue has a
 * delivery limit (20 unless set), and a message redelivered past it is dropped when the queue
 * has no dead-letter target, as our DLQs have none: a tool that nacks and requeues while
 * inspecting a DLQ could lose what waits there. -1 turns the limit off
 * (https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling, 4.0 and later).
 * RabbitMQ 3.x has no default limit and refuses -1 ("not a valid delivery limit").
 */
export const DEAD_LETTER_DELIVERY_LIMIT = -1;

/** A RabbitMQ policy, as the HTTP API's `PUT /api/policies/{vhost}/{name}` takes it. */
export interface QueuePolicy {
  name: string;
  pattern: string;
  "apply-to": "queues";
  priority: number;
  definition: Record<string, string | number>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The DLQs' delivery limit as a policy, not a queue argument: a queue re-declared with other
 * arguments than it has fails with PRECONDITION_FAILED, so a new argument would stop every
 * service of a running stack at start, while a policy applies to existing queues without
 * re-declaring them (https://www.rabbitmq.com/docs/policies). Without a prefix it matches the
 * DLQs of every stack on the broker (what infra applies); with one, a single stack's (tests).
 * Priority 1: above a catch-all policy at 0; only one policy applies to a queue.
 */
export const deadLetterPolicy = (prefix?: string, deliveryLimit: number = DEAD_LETTER_DELIVERY_LIMIT): QueuePolicy => ({
  name: prefix ? `${prefix}.dead-letter-queues` : "dead-letter-queues",
  pattern: `^${prefix ? `${escapeRegExp(prefix)}\\.` : "(.+\\.)?"}(${SERVICE_QUEUES.join("|")})\\.dlq$`,
  "apply-to": "queues",
  priority: 1,
  definition: { "delivery-limit": deliveryLimit },
});
