import { Writable } from "node:stream";
import { ReplyError } from "ioredis";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { REDIS_CIRCUIT_FAILURES, TIMINGS } from "../../apps/shared/contract";
import { DependencyDownError } from "../../apps/shared/errors/app-error";
import { redisCircuitOpen, redisShortCircuits } from "../../apps/shared/metrics/metrics";
import { RedisCircuit, logRedisCircuitsTo } from "../../apps/shared/state/redis-circuit";
import { callRedis, isRedisOutage } from "../../apps/shared/state/redis-errors";

/*
 * The job store's circuit breaker with fake Redis operations: what opens it, what it does while
 * open, and how a probe closes it. Only Date is faked (cockatiel compares Date.now() with the
 * time it opened; it keeps no timer), so the reset timeout passes without waiting for it.
 */

const logs: string[] = [];
logRedisCircuitsTo(
  pino(
    { level: "info" },
    new Writable({
      write(chunk, _enc, done) {
        logs.push(String(JSON.parse(String(chunk)).msg));
        done();
      },
    }),
  ),
);

const timeout = () => Promise.reject(new Error("Command timed out"));
const scriptError = new ReplyError("ERR Error running script (call to f_1234): user_script:1: bad");
const open = async () => (await redisCircuitOpen.get()).values.find((v) => v.labels.client === "job_store")?.value;
const shortCircuited = async () => (await redisShortCircuits.get()).values.find((v) => v.labels.client === "job_store")?.value ?? 0;

/** A Redis operation that answers only when told to. */
const pending = <T>() => {
  let answer!: (v: T) => void;
  let fail!: (e: Error) => void;
  const p = new Promise<T>((res, rej) => {
    answer = res;
    fail = rej;
  });
  return { op: vi.fn(() => p), answer, fail };
};

let circuit: RedisCircuit;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  circuit = new RedisCircuit("job_store", isRedisOutage);
  logs.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

const openIt = async () => {
  for (let i = 0; i < REDIS_CIRCUIT_FAILURES; i++) await expect(callRedis(timeout, circuit)).rejects.toBeInstanceOf(DependencyDownError);
  expect(circuit.state).toBe("open");
};

describe("the job store's circuit breaker (callRedis)", () => {
  it("When Redis answers with errors of its own (a script error), however many in a row, then the circuit never opens: every call still goes to Redis and gets the reply", async () => {
    const op = vi.fn(() => Promise.reject(scriptError));
    for (let i = 0; i < 5 * REDIS_CIRCUIT_FAILURES; i++) await expect(callRedis(op, circuit)).rejects.toBe(scriptError);
    expect(op).toHaveBeenCalledTimes(5 * REDIS_CIRCUIT_FAILURES);
    expect(circuit.state).toBe("closed");
    expect(await open()).toBe(0);
    // Nor do they start the count of outage failures again.
    for (let i = 0; i < REDIS_CIRCUIT_FAILURES - 1; i++) await expect(callRedis(timeout, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    await expect(callRedis(op, circuit)).rejects.toBe(scriptError);
    expect(circuit.state).toBe("closed");
    await expect(callRedis(timeout, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(circuit.state).toBe("open");
  });

  it(`When ${REDIS_CIRCUIT_FAILURES} calls in a row time out, then the circuit opens: further calls fail at once with the same DependencyDownError without reaching Redis, counted, and the gauge says open`, async () => {
    // Failures that are not in a row do not open it: a success starts the count again.
    for (let i = 0; i < REDIS_CIRCUIT_FAILURES - 1; i++) await expect(callRedis(timeout, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(await callRedis(() => Promise.resolve("OK"), circuit)).toBe("OK");
    for (let i = 0; i < REDIS_CIRCUIT_FAILURES - 1; i++) await expect(callRedis(timeout, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(circuit.state).toBe("closed");

    await expect(callRedis(timeout, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(circuit.state).toBe("open");
    expect(await open()).toBe(1);
    const before = await shortCircuited();
    const op = vi.fn(() => Promise.resolve("OK"));
    for (let i = 0; i < 10; i++) {
      const err = await callRedis(op, circuit).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyDownError);
      expect((err as DependencyDownError).dependency).toBe("redis");
      expect((err as DependencyDownError).status).toBe(503);
    }
    expect(op).not.toHaveBeenCalled();
    expect(await shortCircuited()).toBe(before + 10);
    // Just before the reset timeout it is still open.
    vi.setSystemTime(Date.now() + TIMINGS.redisCircuitResetMs - 50);
    await expect(callRedis(op, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(op).not.toHaveBeenCalled();
  });

  it("When connection errors repeat (Redis not reachable), then they open the circuit too", async () => {
    for (let i = 0; i < REDIS_CIRCUIT_FAILURES; i++) {
      await expect(callRedis(() => Promise.reject(new Error("Connection is closed.")), circuit)).rejects.toBeInstanceOf(DependencyDownError);
    }
    expect(circuit.state).toBe("open");
  });

  it("When the reset timeout has passed, then one probe goes to Redis while the others are refused at once, and the probe's success closes the circuit", async () => {
    await openIt();
    vi.setSystemTime(Date.now() + TIMINGS.redisCircuitResetMs);
    const probe = pending<string>();
    const probing = callRedis(probe.op, circuit);
    expect(probe.op).toHaveBeenCalledTimes(1);
    expect(circuit.state).toBe("half-open");
    // Not held behind the probe: refused at once, never sent.
    const other = vi.fn(() => Promise.resolve("OK"));
    await expect(callRedis(other, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(other).not.toHaveBeenCalled();

    probe.answer("PONG");
    expect(await probing).toBe("PONG");
    expect(circuit.state).toBe("closed");
    expect(await open()).toBe(0);
    expect(await callRedis(other, circuit)).toBe("OK");
    expect(other).toHaveBeenCalledTimes(1);
    expect(logs).toEqual(["redis circuit opened: calls are refused at once until a probe succeeds", "redis circuit closed: Redis answered a probe call"]);
  });

  it("When the probe times out, then the circuit opens again for another reset timeout, and says so only once: one log when it opened, one when it closed", async () => {
    await openIt();
    vi.setSystemTime(Date.now() + TIMINGS.redisCircuitResetMs);
    await expect(callRedis(timeout, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(circuit.state).toBe("open");
    expect(await open()).toBe(1);
    const op = vi.fn(() => Promise.resolve("OK"));
    await expect(callRedis(op, circuit)).rejects.toBeInstanceOf(DependencyDownError);
    expect(op).not.toHaveBeenCalled();

    vi.setSystemTime(Date.now() + TIMINGS.redisCircuitResetMs);
    // A probe that gets a reply of Redis's own: Redis answered, so the circuit closes.
    await expect(callRedis(() => Promise.reject(scriptError), circuit)).rejects.toBe(scriptError);
    expect(circuit.state).toBe("closed");
    expect(logs).toEqual(["redis circuit opened: calls are refused at once until a probe succeeds", "redis circuit closed: Redis answered a probe call"]);
  });
});
