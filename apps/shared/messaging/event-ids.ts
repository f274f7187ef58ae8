import { createHash, randomUUID } from "node:crypto";
import type { EventType } from "../contract";

/**
 * Event ids. An event caused by another takes an id derived from its cause, so a handler
 * that runs twice on the same input (a redelivery) publishes the same event again, not a
 * new one: "same input, same event" (docs/architecture.md). Events with no cause on the broker:
 * - `job.submitted` and `job.deleted` happen once per job (the API mints a new job id for
 *   every submission, and answers a DELETE of a job already rolling back without
 *   publishing): derived from the job, so a publish repeated after a lost answer is the
 *   same event.
 * - `job.workload` and `job.usage` are observations, each a fresh snapshot: a fresh id. Two
 *   different snapshots must never pass for one, and a repeated one is harmless (the status
 *   worker keeps the newest workload and merges pod usage by uid).
 */

/** The event `type` a handler publishes because of `cause`. */
export const eventIdAfter = (cause: { eventId: string }, type: EventType): string => nameBasedUuid(`event ${cause.eventId} ${type}`);

/** The one `type` event of a job (job.submitted, job.deleted). */
export const eventIdOfJob = (jobId: string, type: EventType): string => nameBasedUuid(`job ${jobId} ${type}`);

/** An observation's event: a new id every time. */
export const freshEventId = (): string => randomUUID();

/**
 * A UUID computed from a name: the first 128 bits of its SHA-256 with the version set to 8
 * and the RFC variant, as RFC 9562 allows for custom (here hash-based) UUIDs
 * (https://www.rfc-editor.org/rfc/rfc9562#section-5.8 and its Appendix B.2). Node has no
 * name-based UUID built in, and the `uuid` package's current majors are ES modules only.
 */
const nameBasedUuid = (name: string): string => {
  const b = createHash("sha256").update(name, "utf8").digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
