import { AppError, DependencyDownError } from "../errors/app-error";
import { backoffMs, type BackoffCurve } from "../runtime/backoff";

/**
 * What a consumer does with a message once its handler ran: the whole delivery policy, as a
 * pure function (the broker only carries it out), so that it is tested without RabbitMQ.
 */

/** Between redeliveries of a message whose handler failed (each spends an attempt). */
export const RETRY_BACKOFF: BackoffCurve = { firstMs: 100, maxMs: 2000 };
/** Between runs while a dependency is down (no attempt spent, nothing requeued). */
export const OUTAGE_BACKOFF: BackoffCurve = { firstMs: 200, maxMs: 5000 };
/** How long a consumer holds a message while a dependency is down before counting it as failed. */
export const MAX_OUTAGE_HOLD_MS = 10 * 60_000;

export type HandlerResult = { ok: true } | { ok: false; error: unknown };

export interface Delivery {
  result: HandlerResult;
  /** 1 on the first delivery, 2 on the first redelivery, ... */
  attempt: number;
  deliveryLimit: number;
  /** The consumer is shutting down: hold nothing, wait for nothing. */
  closing: boolean;
  /** How often this delivery was already held for an outage, and for how long in all. */
  holds: number;
  heldForMs: number;
}

export type Decision =
  | { action: "ack" }
  /** Keep the message and run the handler again after `afterMs`. */
  | { action: "hold"; afterMs: number }
  /** Requeue after `afterMs` (the broker counts the attempt). */
  | { action: "retry"; afterMs: number }
  /** Park it in the DLQ with `reason`; `report` is what the job's owner is told. */
  | { action: "dead-letter"; reason: string; report: string };

export type ErrorKind = "dependency-down" | "permanent" | "transient";

/** Not the message's fault (wait) / never gets better (refuse now) / may pass on a retry. */
export const errorKind = (err: unknown): ErrorKind => {
  if (err instanceof DependencyDownError) return "dependency-down";
  if (err instanceof AppError && !err.retryable) return "permanent";
  return "transient";
};

export const decide = (d: Delivery): Decision => {
  if (d.result.ok) return { action: "ack" };
  const { error } = d.result;
  const kind = errorKind(error);
  if (kind === "dependency-down" && !d.closing && d.heldForMs < MAX_OUTAGE_HOLD_MS) {
    return { action: "hold", afterMs: backoffMs(OUTAGE_BACKOFF, d.holds + 1) };
  }
  const reason = error instanceof Error ? error.message : String(error);
  if (kind === "permanent") return { action: "dead-letter", reason, report: reason };
  if (d.attempt >= d.deliveryLimit) return { action: "dead-letter", reason, report: `gave up after ${d.attempt} attempts: ${reason}` };
  // Shutting down: hand it back at once, for another replica to take.
  return { action: "retry", afterMs: d.closing ? 0 : backoffMs(RETRY_BACKOFF, d.attempt) };
};
