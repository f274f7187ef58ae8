import { ReplyError } from "ioredis";
import { DependencyDownError } from "../errors/app-error";
import { redisTimeouts } from "../metrics/metrics";

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
 * Run one Redis operation, its errors sorted as above. A command not answered in time counts
 * as Redis being down (the same 503 + Retry-After, the same held message) and in the
 * `redis_command_timeouts_total` metric.
 */
export const callRedis = async <T>(op: () => Promise<T>): Promise<T> => {
  try {
    return await op();
  } catch (err) {
    if (isRedisTimeout(err)) redisTimeouts.inc({ client: "job_store" });
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
