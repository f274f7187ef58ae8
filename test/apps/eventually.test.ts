import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";

describe("eventually (test/support)", () => {
  it("When the check passes after some tries, then it returns the check's value", async () => {
    let tries = 0;
    const value = await eventually(() => {
      tries++;
      expect(tries).toBeGreaterThanOrEqual(3);
      return `after ${tries}`;
    }, { intervalMs: 5 });
    expect(value).toBe("after 3");
  });

  it("When an async check never passes, then the check's own last assertion error is thrown at the deadline", async () => {
    let tries = 0;
    const started = Date.now();
    const failure = eventually(async () => expect(++tries).toBe(0), { timeoutMs: 200, intervalMs: 10 });
    await expect(failure).rejects.toThrow(/expected \d+ to be \+?0/);
    expect(tries).toBeGreaterThan(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("When a check hangs, then eventually still fails at its deadline", async () => {
    const never = new Promise<void>(() => undefined);
    await expect(eventually(() => never, { timeoutMs: 100 })).rejects.toThrow(/Timed out/);
  });
});
