import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KeyedDebouncer } from "../../apps/cluster-applier/workload/keyed-debouncer";

describe("the per-job debouncer (fake timers)", () => {
  let fired: string[];
  let debouncer: KeyedDebouncer<string>;
  beforeEach(() => {
    vi.useFakeTimers();
    fired = [];
    debouncer = new KeyedDebouncer((key) => fired.push(key), 100);
  });
  afterEach(() => vi.useRealTimers());

  it("When a key is scheduled again and again within the delay, then it fires once, the delay after the last call", () => {
    debouncer.schedule("a");
    vi.advanceTimersByTime(60);
    debouncer.schedule("a");
    vi.advanceTimersByTime(60);
    debouncer.schedule("a");
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(["a"]);
  });

  it("When two keys are scheduled, then each fires on its own, in the order of its last call", () => {
    debouncer.schedule("a");
    debouncer.schedule("b");
    vi.advanceTimersByTime(50);
    debouncer.schedule("a");
    vi.advanceTimersByTime(50);
    expect(fired).toEqual(["b"]);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual(["b", "a"]);
  });

  it("When a key fires, then scheduling it again starts a new round", () => {
    debouncer.schedule("a");
    vi.advanceTimersByTime(100);
    debouncer.schedule("a");
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(["a", "a"]);
  });

  it("When everything is cancelled, then nothing pending fires", () => {
    debouncer.schedule("a");
    debouncer.schedule("b");
    debouncer.cancelAll();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
  });

  it("When no delay is given, then it waits 250 ms", () => {
    const plain = new KeyedDebouncer<string>((key) => fired.push(key));
    plain.schedule("a");
    vi.advanceTimersByTime(249);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
  });
});
