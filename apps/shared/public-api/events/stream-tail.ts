import type { Redis } from "ioredis";
import type { Logger } from "../../logging/logger";
import { redisTimeouts } from "../../metrics/metrics";
import { compareIds, toEntry, type RawEntry, type StreamEntry } from "../../state/event-log";
import { isRedisTimeout } from "../../state/redis-errors";

/** The bound of a tail whose Redis client has none of its own. */
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

interface Subscriber {
  key: string;
  /** Last id this subscriber has been given. */
  cursor: string;
  deliver(entries: StreamEntry[]): void;
}

/**
 * Live tail of many Redis streams over ONE blocking connection per process: a loop of
 * `XREAD BLOCK` over every stream someone listens to, from the oldest cursor per stream, and
 * each subscriber gets only what is newer than its own cursor. A new subscriber wakes the
 * loop at once with CLIENT UNBLOCK (standalone Redis; on a cluster it joins within `blockMs`).
 * A thousand open event streams cost one Redis connection, not a thousand.
 * ioredis applies `commandTimeout` to every command of a connection, a blocking read too, so
 * this connection is the tail's own with its own bound: the block time plus the command bound
 * of the others (REDIS_COMMAND_TIMEOUT_MS). A read not answered by then is given up and the
 * connection replaced, so a Redis that hangs holds the tail no longer than that. Its reads are
 * not behind the job store's circuit breaker (callRedis): a blocking read waits on purpose, and
 * the tail's own bound and reconnect already answer a Redis that hangs.
 * (XREAD with explicit ids returns everything after them, so nothing between a subscriber's
 * history read and its first live read is lost: https://redis.io/docs/latest/commands/xread/)
 */
export class StreamTail {
  private readonly subscribers = new Set<Subscriber>();
  private conn?: Redis;
  private connId?: number;
  private running = false;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly blockMs = 2000,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Deliver entries of `key` newer than `cursor` as they come; returns the unsubscribe function. */
  subscribe(key: string, cursor: string, deliver: (entries: StreamEntry[]) => void): () => void {
    const sub: Subscriber = { key, cursor, deliver };
    this.subscribers.add(sub);
    if (this.running) this.wake();
    else void this.loop();
    return () => {
      this.subscribers.delete(sub);
    };
  }

  private wake() {
    const id = this.connId;
    if (id === undefined || (this.redis as { isCluster?: boolean }).isCluster) return;
    this.redis.client("UNBLOCK", id).catch(() => undefined);
  }

  private cursors(): Map<string, string> {
    const m = new Map<string, string>();
    for (const s of this.subscribers) {
      const c = m.get(s.key);
      if (c === undefined || compareIds(s.cursor, c) < 0) m.set(s.key, s.cursor);
    }
    return m;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.subscribers.size > 0 && !this.stopped) {
        const cursors = this.cursors();
        try {
          if (!this.conn) {
            this.conn = this.redis.duplicate({ commandTimeout: this.blockMs + (this.redis.options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS) });
            this.conn.on("error", () => undefined);
            await this.conn.connect();
          }
          this.connId = (await this.conn.client("ID")) as number;
          const res = (await this.conn.xread("COUNT", 500, "BLOCK", this.blockMs, "STREAMS", ...cursors.keys(), ...cursors.values())) as [string, RawEntry[]][] | null;
          for (const [key, raw] of res ?? []) this.dispatch(key, raw.map(toEntry).filter((e): e is StreamEntry => e !== null), raw.at(-1)?.[0]);
        } catch (err) {
          if (this.stopped) break;
          if (isRedisTimeout(err)) {
            redisTimeouts.inc({ client: "event_tail" });
            // Its queue may hold reads Redis will answer late: start over on a new connection.
            this.conn?.disconnect();
            this.conn = undefined;
          }
          this.logger.warn({ err: (err as Error).message }, "event tail: redis read failed; retrying");
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      this.running = false;
    }
  }

  private dispatch(key: string, entries: StreamEntry[], lastId: string | undefined) {
    for (const s of this.subscribers) {
      if (s.key !== key) continue;
      const fresh = entries.filter((e) => compareIds(e.id, s.cursor) > 0);
      // Unreadable entries still move the cursor, so they are not read again and again.
      if (lastId && compareIds(lastId, s.cursor) > 0) s.cursor = lastId;
      if (fresh.length > 0) s.deliver(fresh);
    }
  }

  stop(): void {
    this.stopped = true;
    this.subscribers.clear();
    this.conn?.disconnect();
  }
}
