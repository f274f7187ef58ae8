import net from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyDownError } from "../../apps/shared/errors/app-error";
import { errorHandler } from "../../apps/shared/http/http-server";
import { createLogger } from "../../apps/shared/logging/logger";
import { CURSOR_HELP } from "../../apps/shared/state/job-cursor";
import { postYaml, startTestStack, type TestStack } from "../support/test-stack";

const TOKEN = "edge-token-0123456789abcdef";
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ API_TOKENS: `default:${TOKEN}` });
});
afterAll(async () => {
  await stack?.cleanup();
});

describe("API edges", () => {
  it.each([
    ["an offset (the old cursor)", "20"],
    ["larger than any we hand out", "99999999999999999999"],
    ["edited", Buffer.from("1767225600000:not-a-job").toString("base64url")],
  ])("When a cursor is %s, then GET /jobs answers 400 saying to pass nextCursor unchanged or start again", async (_what, cursor) => {
    const res = await fetch(`${stack.url}/jobs?cursor=${cursor}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(`invalid query: cursor: ${CURSOR_HELP}`);
  });

  it("When the scheme is written in lower case (bearer), then the token is accepted: schemes are case-insensitive", async () => {
    const res = await postYaml(stack.url, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", { authorization: `bearer ${TOKEN}` });
    expect(res.status).toBe(202);
  });

  it("When a client sends its headers too slowly, then the connection is closed after about 10 s, not 30", async () => {
    const { port } = new URL(stack.url);
    const t0 = Date.now();
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), "127.0.0.1", () => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
      socket.on("data", () => undefined);
      socket.on("close", () => resolve());
      socket.on("error", () => undefined);
    });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(9_000);
    expect(took).toBeLessThan(15_000);
  }, 30_000);
});

describe("503 bodies", () => {
  it("When a dependency is down, then the answer names it and says to retry, without the driver's message or addresses", async () => {
    const app = express();
    app.get("/x", () => {
      throw new DependencyDownError("redis", new Error("connect ECONNREFUSED 10.20.30.40:6379"));
    });
    app.use(errorHandler(createLogger("test", "silent")));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const res = await fetch(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/x`);
    server.close();
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const text = await res.text();
    expect(text).toMatch(/job store is unavailable; retry later/);
    expect(text).not.toMatch(/10\.20\.30\.40|ECONNREFUSED/);
  });
});
