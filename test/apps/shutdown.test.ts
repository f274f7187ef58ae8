import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { closeServer } from "../../apps/shared/http/http-server";
import { settleWithin } from "../../apps/shared/runtime/settle-within";

describe("shutdown is bounded", () => {
  it("When a request never gets an answer, then closing the server cuts its connection after the grace and completes", async () => {
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const seen = new Promise<void>((r) => server.once("request", () => r()));
    const answer = fetch(`http://127.0.0.1:${port}/stuck`).then(
      () => "answered",
      (err: Error) => `failed: ${err.message}`,
    );
    await seen;
    const closed = closeServer(server, 200);
    // Not done before the grace: the request might still finish.
    expect(await settleWithin(closed, 50)).toBe(false);
    await closed;
    expect(await answer).toMatch(/^failed/);
    expect(server.listening).toBe(false);
  });

  it("When a step settles in time (either way) it reports true, and false when the wait is given up", async () => {
    expect(await settleWithin(Promise.resolve(1), 1000)).toBe(true);
    expect(await settleWithin(Promise.reject(new Error("no")), 1000)).toBe(true);
    expect(await settleWithin(new Promise(() => undefined), 20)).toBe(false);
  });
});
