import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { REDIS_CIRCUIT_FAILURES, TIMINGS } from "../contract";
import type { Logger } from "../logging/logger";
import { redisCircuitOpen, redisShortCircuits } from "../metrics/metrics";

/** Who calls Redis through a circuit: each role has its own, one per process. */
export type RedisClientRole = "job_store" | "rate_limiter";

export interface RedisCircuitOptions {
  /** Outage failures in a row that open the circuit. */
  failures: number;
  /** How long it stays open before one probe call goes through. */
  resetMs: number;
}

/** What a call gets instead of running while the circuit is open: nothing was sent to Redis. */
export class CircuitOpenError extends Error {
  constructor(readonly role: RedisClientRole) {
    super(`redis circuit of ${role} is open: call refused without trying`);
    this.name = "CircuitOpenError";
  }
}

let logger: Logger | undefined;

/** Where circuits say they opened and closed: the first service logger of the process (createRedis passes its own). */
export const logRedisCircuitsTo = (l: Logger): void => {
  logger ??= l.child({ component: "redis-circuit" });
};

/**
 * A circuit breaker in front of one Redis client role's calls, so a Redis that hangs while
 * connected costs each call a command bound only until the circuit opens. Built on cockatiel 3
 * (connor4312/cockatiel@v3.2.1: src/CircuitBreakerPolicy.ts, src/breaker/ConsecutiveBreaker.ts):
 * closed, it counts the calls that fail with an error `isOutage` accepts, and any success
 * starts the count again; other errors (Redis's own replies: it answered) neither count nor
 * reset. After `failures` of them in a row it opens: calls fail at once with CircuitOpenError.
 * The library keeps no timer: the first call `resetMs` after it opened is let through as the
 * probe (half-open); its success closes the circuit, an outage failure opens it again for as
 * long, and an error that is not an outage closes it (Redis answered). cockatiel makes the
 * calls that come while the probe is out wait for its outcome; here they are refused at once
 * instead, so a probe that meets a hung Redis holds one caller, not all of them.
 */
export class RedisCircuit {
  private readonly policy: CircuitBreakerPolicy;
  /** Between the first opening and the next close: re-openings after a failed probe log nothing. */
  private open = false;

  constructor(
    readonly role: RedisClientRole,
    isOutage: (err: Error) => boolean,
    opts: RedisCircuitOptions = { failures: REDIS_CIRCUIT_FAILURES, resetMs: TIMINGS.redisCircuitResetMs },
  ) {
    this.policy = circuitBreaker(handleWhen(isOutage), { halfOpenAfter: opts.resetMs, breaker: new ConsecutiveBreaker(opts.failures) });
    redisCircuitOpen.set({ client: role }, 0);
    this.policy.onBreak((reason) => {
      if (this.open) return;
      this.open = true;
      redisCircuitOpen.set({ client: role }, 1);
      const err = "error" in reason ? (reason.error as Error).message : undefined;
      logger?.warn({ client: role, err, failures: opts.failures, resetMs: opts.resetMs }, "redis circuit opened: calls are refused at once until a probe succeeds");
    });
    this.policy.onReset(() => {
      if (!this.open) return;
      this.open = false;
      redisCircuitOpen.set({ client: role }, 0);
      logger?.info({ client: role }, "redis circuit closed: Redis answered a probe call");
    });
  }

  /** Closed, or open/half-open: only a probe goes through. */
  get state(): "closed" | "open" | "half-open" {
    const s = this.policy.state;
    return s === CircuitState.Closed ? "closed" : s === CircuitState.HalfOpen ? "half-open" : "open";
  }

  /** Run `op` unless the circuit is open; CircuitOpenError (and no call to Redis) if it is. */
  async execute<T>(op: () => Promise<T>): Promise<T> {
    if (this.policy.state === CircuitState.HalfOpen) throw this.refused();
    try {
      return await this.policy.execute(op);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw this.refused();
      throw err;
    }
  }

  private refused(): CircuitOpenError {
    redisShortCircuits.inc({ client: this.role });
    return new CircuitOpenError(this.role);
  }
}
