import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AdaptiveLimit, createShedder, refuseWhileDown, type Gate } from "../../apps/shared/http/load-shedder";

const options = { targetMs: 100, minLimit: 2, maxLimit: 64, initialLimit: 8 };

describe("the adaptive concurrency limit (additive increase, multiplicative decrease)", () => {
  it("When the cap is reached, then the next request is refused until one finishes", () => {
    const limit = new AdaptiveLimit(options);
    for (let i = 0; i < 8; i++) expect(limit.tryAcquire()).toBe(true);
    expect(limit.tryAcquire()).toBe(false);
    limit.release(10, 0);
    expect(limit.tryAcquire()).toBe(true);
  });

  it("When requests filling the cap answer within the budget, then the cap grows slowly (about half a request per full round)", () => {
    const limit = new AdaptiveLimit(options);
    for (let round = 0; round < 8; round++) {
      while (limit.tryAcquire());
      const n = limit.active;
      for (let i = 0; i < n; i++) limit.release(10, round * 1000 + i);
    }
    // Only answers that leave at least half the cap in use count as "busy": ~cap/2 of each round.
    expect(limit.current).toBeGreaterThanOrEqual(11);
    expect(limit.current).toBeLessThanOrEqual(13);
  });

  it("When answers take longer than the budget, then the cap is cut by a quarter at most once per budget interval, never below the floor", () => {
    const limit = new AdaptiveLimit(options);
    for (let i = 0; i < 8; i++) limit.tryAcquire();
    // A burst of slow answers within one interval is one signal, not eight.
    for (let i = 0; i < 8; i++) limit.release(500, 1000 + i);
    expect(limit.current).toBe(6);
    for (let t = 2000; t < 10_000; t += 200) {
      limit.tryAcquire();
      limit.release(500, t);
    }
    expect(limit.current).toBe(2);
  });

  it("When idle requests answer fast, then the cap does not grow (it grows only while it is what holds requests back)", () => {
    const limit = new AdaptiveLimit(options);
    for (let i = 0; i < 100; i++) {
      limit.tryAcquire();
      limit.release(5, i);
    }
    expect(limit.current).toBe(8);
  });
});

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

const serve = async (gates: Gate[], handler: (done: () => void) => void) => {
  server = createServer((req, res) => {
    for (const g of gates) if (g(req, res)) return;
    handler(() => res.end("ok"));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
};

describe("shedding on the raw request, before express", () => {
  it("When a dependency is known down, then writes get 503 with Retry-After at once and reads pass", async () => {
    let handled = 0;
    const url = await serve([refuseWhileDown((req) => req.method === "POST", () => "message broker")], (done) => {
      handled++;
      done();
    });
    const post = await fetch(`${url}/yaml`, { method: "POST", body: "x" });
    expect(post.status).toBe(503);
    expect(post.headers.get("retry-after")).toBe("5");
    expect(((await post.json()) as { error: string }).error).toMatch(/message broker unavailable/);
    expect((await fetch(`${url}/jobs`)).status).toBe(200);
    expect(handled).toBe(1);
  });

  it("When more requests arrive than the cap lets in, then the surplus gets 503 with Retry-After 1 while the admitted ones finish", async () => {
    const shed = createShedder(() => true, { initialLimit: 2, minLimit: 2 });
    const waiting: (() => void)[] = [];
    const url = await serve([shed], (done) => waiting.push(done));
    const answers = Array.from({ length: 5 }, () => fetch(url, { method: "POST", body: "x" }));
    const refused = await Promise.all(answers.slice(2));
    expect(refused.map((r) => r.status)).toEqual([503, 503, 503]);
    expect(refused[0]!.headers.get("retry-after")).toBe("1");
    expect(shed.limit.active).toBe(2);
    for (const done of waiting) done();
    expect((await Promise.all(answers.slice(0, 2))).map((r) => r.status)).toEqual([200, 200]);
  });
});
