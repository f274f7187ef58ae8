import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import amqp from "amqplib";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DryRunResult, topology } from "../../apps/shared/contract";
import { AMQP_URL, REDIS_URL, startTestStack, type TestStack } from "../support/test-stack";

const fixtures = path.join(__dirname, "../fixtures");
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ ALLOWED_REGISTRIES: "docker.io/library/,nginx" });
});
afterAll(async () => stack?.cleanup());

const dryRun = (body: string, query = "dryRun=true") => fetch(`${stack.url}/yaml?${query}`, { method: "POST", headers: { "content-type": "application/yaml" }, body });

describe("POST /yaml?dryRun=true", () => {
  it("When the manifests are acceptable, then the answer is 200 ok with no problems and what would be created", async () => {
    const res = await dryRun(readFileSync(path.join(fixtures, "manifests/web-deployment-and-service.yaml"), "utf8"));
    expect(res.status).toBe(200);
    const body = DryRunResult.parse(await res.json());
    expect(body.problems).toEqual([]);
    expect(body.ok).toBe(true);
    // Admission's safe defaults are reported as warnings (issue 13), each with where it applies.
    expect(body.warnings.every((w) => w.object && w.message)).toBe(true);
    expect(body.resources.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(["ConfigMap/web-config", "Deployment/web", "Service/web"]);
  });

  it("When admission refuses, then the answer is 200 with every problem, and the registry policy is the YAML Manager's", async () => {
    const text = readFileSync(path.join(fixtures, "hostile/privileged-pod.yaml"), "utf8");
    const res = await dryRun(text);
    expect(res.status).toBe(200);
    const body = DryRunResult.parse(await res.json());
    expect(body.ok).toBe(false);
    expect(body.problems.some((p) => p.rule?.startsWith("pod-security/"))).toBe(true);
    // At the field's own line, as an editor would show it (apps/shared/manifests/locate-problems.ts).
    const privileged = body.problems.find((p) => p.rule === "pod-security/privileged");
    expect(privileged?.line).toBe(text.split("\n").findIndex((l) => l.includes("privileged: true")) + 1);
    const registry = DryRunResult.parse(await (await dryRun("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: evil.example/x:1}]\n")).json());
    expect(registry.problems.map((p) => p.message).join(" ")).toMatch(/evil\.example/);
  });

  it("When the YAML does not parse, then the answer is still 200 with the problem's line", async () => {
    const body = DryRunResult.parse(await (await dryRun("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\n")).json());
    expect(body.ok).toBe(false);
    expect(body.problems[0]).toMatchObject({ file: "body" });
    expect(body.problems[0]!.line).toBeGreaterThan(0);
  });

  it("When dry runs are made, then no job, no stored file and no event exist afterwards", async () => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    const probe = await ch.assertQueue("", { exclusive: true });
    await ch.bindQueue(probe.queue, topology(stack.prefix).exchange, "job.#");
    const redis = new Redis(REDIS_URL);
    const before = (await redis.keys(`{${stack.prefix}}:*`)).filter((k) => !k.includes(":ratelimit"));
    for (let i = 0; i < 3; i++) expect((await dryRun("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")).status).toBe(200);
    const after = (await redis.keys(`{${stack.prefix}}:*`)).filter((k) => !k.includes(":ratelimit"));
    expect(after.sort()).toEqual(before.sort());
    expect(readdirSync(stack.dataDir).filter((f) => f !== ".write-check")).toEqual([]);
    expect((await ch.checkQueue(probe.queue)).messageCount).toBe(0);
    expect(((await (await fetch(`${stack.url}/jobs`)).json()) as { items: unknown[] }).items).toEqual([]);
    redis.disconnect();
    await conn.close();
  });

  it("When dryRun has another value, then the answer is 400; dryRun=false submits as usual", async () => {
    const bad = await dryRun("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "dryRun=yes");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("dryRun must be true or false");
    expect((await dryRun("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "dryRun=false")).status).toBe(202);
  });

  it("When the body is over the limit or of the wrong type, then it is refused as a submission would be", async () => {
    const big = await dryRun("x".repeat(1024 * 1024 + 10));
    expect(big.status).toBe(413);
    const wrong = await fetch(`${stack.url}/yaml?dryRun=true`, { method: "POST", headers: { "content-type": "text/plain" }, body: "a" });
    expect(wrong.status).toBe(415);
  });
});
