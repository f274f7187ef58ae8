/**
 * The console shows why a workload ended: phase and reason on the row, and in the details each
 * container's exit code and reason (real Chromium, real services; the workload is written as
 * the status worker stores it, since the dry-run target runs nothing).
 */
import { Redis } from "ioredis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView, Workload } from "../../apps/shared/contract";
import { EventLog } from "../../apps/shared/state/event-log";
import { JobRepository } from "../../apps/shared/state/job-repository";
import { buildConsole } from "../../scripts/build-console";
import { REDIS_URL, postYaml, startTestStack, waitForStatus, type TestStack } from "../support/test-stack";
import { launchChromium } from "./browser";

let browser: Browser;
let stack: TestStack;
let redis: Redis;
beforeAll(async () => {
  await buildConsole();
  [browser, stack] = await Promise.all([launchChromium(), startTestStack()]);
  redis = new Redis(REDIS_URL);
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  await browser?.close();
  await stack?.cleanup();
});

// A real browser on a busy 2-core machine (the console files run in parallel): waits are bounded, but not by 30 s.
describe("the web console: why a workload ended", { timeout: 90_000 }, () => {
  it("When a job's workload failed with an OOM-killed container, then the row shows Failed with the reason and the details list the container, 137 and OOMKilled", async () => {
    const res = await postYaml(stack.url, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    const id = ((await res.json()) as JobView).id;
    await waitForStatus(stack.url, id, ["DONE"]);
    const workload: Workload = {
      phase: "Failed",
      final: true,
      pods: { pending: 0, running: 0, succeeded: 0, failed: 1 },
      problems: ["Job/train: BackoffLimitExceeded: Job has reached the specified backoff limit"],
      reason: "container trainer of Pod/train-a exited 137 (OOMKilled); Job/train: BackoffLimitExceeded",
      containers: [{ pod: "train-a", container: "trainer", exitCode: 137, reason: "OOMKilled", restarts: 0 }],
      observedAt: new Date().toISOString(),
    };
    // As the status worker records a job.workload event: the job's record, then its event streams
    // (the console follows the stream; a record changed behind the stream's back would be overwritten by it).
    const jobs = new JobRepository(redis, stack.prefix);
    expect(await jobs.setWorkload(id, workload)).toBe(true);
    await new EventLog(redis, stack.prefix).appendWorkload(id, (await jobs.get(id))!.tenant, workload);

    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${stack.url}/#/jobs/${id}`);
    const row = page.locator(`tr[data-job="${id}"]`);
    await expect.poll(() => row.textContent()).toMatch(/Failed \(0\/1 running\).*exited 137 \(OOMKilled\)/);
    const detail = page.locator(".workload-outcome");
    await expect.poll(() => detail.locator(".reason").textContent()).toMatch(/Why it failed:.*OOMKilled/);
    expect(await detail.locator("table.containers tbody tr td").allTextContents()).toEqual(["train-a", "trainer", "137", "OOMKilled", "0"]);
    await ctx.close();
  });
});

describe("the web console: run it again", { timeout: 90_000 }, () => {
  it("When Run again is pressed, then a new job from the same files opens; Edit and run puts the job's YAML into the submit panel", async () => {
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: again}\ndata: {a: b}\n";
    const res = await postYaml(`${stack.url}`, yaml);
    const old = ((await res.json()) as JobView).id;
    await waitForStatus(stack.url, old, ["DONE"]);
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${stack.url}/#/jobs/${old}`);
    await page.getByRole("button", { name: "Run again" }).click();
    await page.waitForURL((url) => /#\/jobs\/[0-9a-f-]{36}$/.test(url.hash) && !url.hash.includes(old));
    const id = /#\/jobs\/(.+)$/.exec(page.url())![1]!;
    expect(((await (await fetch(`${stack.url}/jobs/${id}`)).json()) as JobView).resubmittedFrom).toBe(old);
    await page.getByText("Runs again what").waitFor();

    await page.getByRole("button", { name: "Edit and run" }).click();
    // The submit panel's editor (CodeMirror: one .cm-line per line of the document) holds the job's YAML.
    await expect.poll(() => page.locator(".submit .cm-content .cm-line").allTextContents().then((lines) => lines.join("\n").trimEnd())).toBe(yaml.trimEnd());
    await ctx.close();
  });
});
