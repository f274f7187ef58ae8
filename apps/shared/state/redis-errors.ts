import { ReplyError } from "ioredis";
import { DependencyDownError } from "../errors/app-error";
import { redisTimeouts } from "../metrics/metrics";
import { RedisCircuit } from "./redis-circuit";

const NOT_SERVING_YET = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/;

/**
 * Which Redis errors mean "not reachable now" and which are real. Connection trouble becomes
 * DependencyDownError (a 503, a held message), and so do the replies of a Redis that is up but
 * not serving yet (loading its data after a restart, a cluster failing over). Other replies
 * (a script error, say) are real errors.
 */
export const redisErrorToAppError = (err: unknown): unknown =>
  err instanceof ReplyError && !NOT_SERVING_YET.test((err as Error).message) ? err : new DependencyDownError("redis", err);

/** ioredis's error for a command not answered within `commandTimeout` (ioredis@6.0.0: built/Command.js). */
export const isRedisTimeout = (err: unknown): boolean => err instanceof Error && err.message === "Command timed out";

/**
 * What opens the job store's circuit: Redis not answering in time or not reachable, i.e. what
 * the mapping above turns into DependencyDownError, except Redis's own replies. A reply (a
 * script error, or LOADING and the like, answered at once) means Redis answered: not the
 * outage the circuit spares callers from waiting on.
 */
export const isRedisOutage = (err: unknown): boolean => !(err instanceof ReplyError) && redisErrorToAppError(err) instanceof DependencyDownError;

/** The job store's circuit (job records, events, usage, idempotency keys, webhooks): one per process. */
export const jobStoreCircuit = new RedisCircuit("job_store", isRedisOutage);

/**
 * Run one Redis operation, its errors sorted as above. A command not answered in time counts
 * as Redis being down (the same 503 + Retry-After, the same held message) and in the
 * `redis_command_timeouts_total` metric. Behind the job store's circuit: after a few outage
 * failures in a row, calls fail at once with the same DependencyDownError, without touching
 * Redis, until a probe call succeeds (see RedisCircuit).
 */
export const callRedis = async <T>(op: () => Promise<T>, circuit: RedisCircuit = jobStoreCircuit): Promise<T> => {
  try {
    return await circuit.execute(op);
  } catch (err) {
    if (isRedisTimeout(err)) redisTimeouts.inc({ client: circuit.role });
    throw redisErrorToAppError(err);
  }
};

/**
 * Run a pipeline, failing as a whole when any of its commands failed: ioredis resolves a
 * pipeline with each command's error in its place (a timed-out command included), which read
 * as empty replies would answer "no jobs" instead of "Redis unavailable".
 */
export const execAll = async (pipe: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<[Error | null, unknown][]> => {
  const replies = (await pipe.exec()) ?? [];
  const failed = replies.find(([err]) => err);
  if (failed) throw failed[0];
  return replies;
};

/**
 * Every key of a stack starts with its `{prefix}` hash tag, so multi-key scripts stay valid on
 * Redis Cluster (all of one stack's keys share a slot).
 */
export const stackKeyPrefix = (prefix: string): string => `{${prefix}}:`;
