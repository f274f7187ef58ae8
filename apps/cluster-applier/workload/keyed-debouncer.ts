/**
 * Coalesces bursts per key: `fire(key)` runs once a key has had no `schedule(key)` for
 * `delayMs`. The workload watcher and the usage tracker each use one per job, since a
 * Deployment rollout sends many pod events for the same job within a moment.
 */
export class KeyedDebouncer<K> {
  private readonly timers = new Map<K, NodeJS.Timeout>();

  constructor(
    private readonly fire: (key: K) => void,
    private readonly delayMs = 250,
  ) {}

  schedule(key: K): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.fire(key);
      }, this.delayMs),
    );
  }

  /** Drop every pending call (at shutdown, before a last flush of its own). */
  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
