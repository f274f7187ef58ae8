import { describe, expect, it } from "vitest";
import { AppError, DependencyDownError } from "../../apps/shared/errors/app-error";
import { MAX_OUTAGE_HOLD_MS, decide, type Decision, type Delivery } from "../../apps/shared/messaging/delivery-decision";

/** The delivery policy, without RabbitMQ: one row per situation a consumer meets. */
const permanent = new AppError("not for me", { retryable: false });
const down = new DependencyDownError("redis");
const hiccup = new Error("database hiccup");
const retryableApp = new AppError("try later", { retryable: true });
const base: Delivery = { result: { ok: true }, attempt: 1, deliveryLimit: 5, closing: false, holds: 0, heldForMs: 0 };
const failed = (error: unknown, more: Partial<Delivery> = {}): Delivery => ({ ...base, result: { ok: false, error }, ...more });

const table: [string, Delivery, Decision][] = [
  ["the handler succeeded", base, { action: "ack" }],
  ["the handler succeeded on the last attempt while closing", { ...base, attempt: 5, closing: true }, { action: "ack" }],
  ["a transient error on the first attempt", failed(hiccup), { action: "retry", afterMs: 100 }],
  ["a transient error on the third attempt", failed(hiccup, { attempt: 3 }), { action: "retry", afterMs: 400 }],
  ["a retryable AppError before the limit", failed(retryableApp, { attempt: 4 }), { action: "retry", afterMs: 800 }],
  ["a transient error while closing", failed(hiccup, { closing: true }), { action: "retry", afterMs: 0 }],
  ["a transient error on the last attempt", failed(hiccup, { attempt: 5 }), { action: "dead-letter", reason: "database hiccup", report: "gave up after 5 attempts: database hiccup" }],
  ["a transient error past the limit (a broker redelivery)", failed(hiccup, { attempt: 7 }), { action: "dead-letter", reason: "database hiccup", report: "gave up after 7 attempts: database hiccup" }],
  ["a permanent AppError on the first attempt", failed(permanent), { action: "dead-letter", reason: "not for me", report: "not for me" }],
  ["a permanent AppError while closing", failed(permanent, { closing: true }), { action: "dead-letter", reason: "not for me", report: "not for me" }],
  ["a dependency down, first time", failed(down), { action: "hold", afterMs: 200 }],
  ["a dependency down, fourth time", failed(down, { holds: 3, heldForMs: 1400 }), { action: "hold", afterMs: 1600 }],
  ["a dependency down for long (the wait is capped)", failed(down, { holds: 30, heldForMs: 60_000 }), { action: "hold", afterMs: 5000 }],
  ["a dependency down on the last attempt (no attempt is spent while holding)", failed(down, { attempt: 5 }), { action: "hold", afterMs: 200 }],
  ["a dependency down while closing", failed(down, { closing: true }), { action: "retry", afterMs: 0 }],
  ["a dependency down beyond the longest hold", failed(down, { heldForMs: MAX_OUTAGE_HOLD_MS, holds: 130 }), { action: "retry", afterMs: 100 }],
  ["a dependency down beyond the longest hold, on the last attempt", failed(down, { attempt: 5, heldForMs: MAX_OUTAGE_HOLD_MS }), { action: "dead-letter", reason: down.message, report: `gave up after 5 attempts: ${down.message}` }],
  ["something thrown that is not an Error", failed("boom", { attempt: 5 }), { action: "dead-letter", reason: "boom", report: "gave up after 5 attempts: boom" }],
];

describe("the delivery decision (no broker)", () => {
  const rows = table.map(([situation, delivery, expected]) => ({ situation, delivery, expected, then: JSON.stringify(expected) }));
  it.each(rows)("When $situation, then $then", ({ delivery, expected }) => {
    expect(decide(delivery)).toEqual(expected);
  });
});
