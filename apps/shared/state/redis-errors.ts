import { ReplyError } from "ioredis";
import { DependencyDownError } from "../errors/app-error";

const NOT_SERVING_YET = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/;

/**
 * Which Redis errors mean "not reachable now" and which are real. Connection trouble becomes
 * DependencyDownError (a 503, a held message), and so do the replies of a Redis that is up but
 * not serving yet (loading its data after a restart, a cluster failing over). Other replies
 * (a script error, say) are real errors.
 */
export const redisErrorToAppError = (err: unknown): unknown =>
  err instanceof ReplyError && !NOT_SERVING_YET.test((err as Error).message) ? err : new DependencyDownError("redis", err);

/** Run one Redis operation, its errors sorted as above. */
export const callRedis = async <T>(op: () => Promise<T>): Promise<T> => {
  try {
    return await op();
  } catch (err) {
    throw redisErrorToAppError(err);
  }
};

/**
 * Every key of a stack starts with its `{prefix}` hash tag, so multi-key scripts stay valid on
 * Redis Cluster (all of one stack's keys share a slot).
 */
export const stackKeyPrefix = (prefix: string): string => `{${prefix}}:`;
