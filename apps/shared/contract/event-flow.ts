import type { EventType } from "./events";
import type { JobStatus } from "./job";
import type { ServiceName } from "./service-config";
import { BINDINGS, SERVICE_QUEUES, type ServiceQueue } from "./topology";

/**
 * Who sends and who hears each job event, and what it makes of the job's status: beside
 * BINDINGS (topology.ts), which says who hears. docs/architecture.md's pipeline table is checked against
 * these (test/apps/event-flow.test.ts), and PUBLISHED_BY against the services' code.
 */

/** The service that consumes each queue: the applier has two (rollbacks wait apart from applies). */
export const QUEUE_OWNER: Readonly<Record<ServiceQueue, ServiceName>> = {
  "yaml-manager": "yaml-manager",
  "cluster-applier": "cluster-applier",
  "cluster-applier-rollback": "cluster-applier",
  "status-worker": "status-worker",
};

/**
 * Who publishes each event. `job.failed` has two publishers: any consuming service that gives
 * up on a job's event reports it (messaging/report-failure.ts), besides its own failures.
 */
export const PUBLISHED_BY: Readonly<Record<EventType, readonly ServiceName[]>> = {
  "job.submitted": ["entrypoint"],
  "job.validated": ["yaml-manager"],
  "job.rejected": ["yaml-manager"],
  "job.applied": ["cluster-applier"],
  "job.failed": ["yaml-manager", "cluster-applier"],
  "job.deleted": ["entrypoint"],
  "job.rolled_back": ["cluster-applier"],
  "job.workload": ["cluster-applier"],
  "job.usage": ["cluster-applier"],
};

/** The status each event records; null for the two that add to the job without moving it. */
export const STATUS_OF = {
  "job.submitted": "PENDING",
  "job.validated": "APPLYING_IN_CLUSTER",
  "job.rejected": "REJECTED",
  "job.applied": "DONE",
  "job.failed": "FAILED",
  "job.deleted": "ROLLING_BACK",
  "job.rolled_back": "ROLLED_BACK",
  "job.workload": null,
  "job.usage": null,
} as const satisfies Readonly<Record<EventType, JobStatus | null>>;

/** The events that record a status. */
export type StatusEventType = { [K in EventType]: (typeof STATUS_OF)[K] extends null ? never : K }[EventType];

export const statusOf = (type: StatusEventType): JobStatus => STATUS_OF[type];

/** AMQP topic matching for our keys: exact, or `prefix.#` (any words after the prefix). */
const bindingMatches = (binding: string, type: EventType) => binding === type || (binding.endsWith(".#") && type.startsWith(binding.slice(0, -1)));

/** The services that hear an event, from BINDINGS. */
export const consumersOf = (type: EventType): ServiceName[] => [
  ...new Set(SERVICE_QUEUES.filter((q) => BINDINGS[q].some((b) => bindingMatches(b, type))).map((q) => QUEUE_OWNER[q])),
];
