/**
 * The web console in a real browser (Debian's headless Chromium, driven by playwright-core),
 * against the real services on the local RabbitMQ and Redis, dry-run target.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP, consoleCsp } from "../../apps/shared/public-api/console/console-routes";
import { buildConsole } from "../../scripts/build-console";
import { startTestStack, type TestStack } from "../support/test-stack";
import { launchChromium } from "./browser";

const JOB = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: pi\n          image: perl:5.34\n          command: [perl, -e, print 1]\n";
// A privileged container, refused by Pod Security (baseline and restricted).
const PRIVILEGED = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      securityContext: {privileged: true}\n      image: busybox\n";

let browser: Browser;
let stack: TestStack;
let secured: TestStack;
const TOKEN = "s3cret-token-for-tests-0123456789";

beforeAll(async () => {
  await buildConsole();
  [browser, stack, secured] = await Promise.all([launchChromium(), startTestStack(), startTestStack({ API_TOKENS: `team-a:${TOKEN}` })]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([stack?.cleanup(), secured?.cleanup()]);
});

/** A fresh page that records every request and every console error (CSP violations appear there, and are counted in the page). */
const open = async (base: string): Promise<{ page: Page; ctx: BrowserContext; requests: string[]; errors: string[] }> => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.addInitScript(`window.__cspViolations = []; document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));`);
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  return { page, ctx, requests, errors };
};

const counts = async (base: string, headers: Record<string, string> = {}) => ((await (await fetch(`${base}/jobs/counts`, { headers })).json()) as { counts: Record<string, number> }).counts;

describe("the web console", { timeout: 90_000 }, () => {
  it("When the page loads, then it is served under its own strict CSP, makes no request off its origin and logs no violation", async () => {
    const [res, again] = await Promise.all([fetch(`${stack.url}/`), fetch(`${stack.url}/`)]);
    // A fresh nonce per response, for the editor's <style> elements only; scripts stay same-origin files.
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
    expect(res.headers.get("content-security-policy")).toBe(consoleCsp(nonce ?? "?"));
    expect(again.headers.get("content-security-policy")).not.toBe(res.headers.get("content-security-policy"));
    expect(await res.text()).toContain(`<meta name="csp-nonce" content="${nonce}"`);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(consoleCsp("n")).toMatch(/script-src 'self';/);
    const { page, ctx, requests, errors } = await open(stack.url);
    await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    // The editor is up and styled (its theme's <style> elements carry the nonce): no violation.
    await page.locator(".cm-editor .cm-lineNumbers").waitFor();
    await page.getByLabel("Kubernetes YAML (one or more documents)").fill(JOB);
    await page.locator('.validation[data-state="ok"]').waitFor();
    expect(await page.evaluate("window.__cspViolations")).toEqual([]);
    expect(requests.length).toBeGreaterThan(2);
    expect(requests.filter((u) => !u.startsWith(stack.url))).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it("When every control is reached, then each has a label a screen reader reads", async () => {
    const { page, ctx } = await open(stack.url);
    await page.getByLabel("Kubernetes YAML (one or more documents)").waitFor();
    // Evaluated in the page (as text: this file is type-checked without the DOM library).
    const unlabelled = await page.evaluate(`[...document.querySelectorAll("input, textarea, select")].filter((el) => {
      const id = el.getAttribute("id");
      return !(id && document.querySelector('label[for="' + id + '"]')) && !el.closest("label") && !el.getAttribute("aria-label");
    }).length`);
    expect(unlabelled).toBe(0);
    // Keyboard: the YAML field is reachable with Tab from the top of the page.
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(`document.activeElement?.id === "yaml-input"`);
    }
    expect(reached).toBe(true);
    await ctx.close();
  });

  it("When YAML with a problem is pasted, then the dry run shows it at its line and no job is created", async () => {
    const before = await counts(stack.url);
    const { page, ctx } = await open(stack.url);
    await page.getByLabel("Kubernetes YAML (one or more documents)").fill(PRIVILEGED);
    await page.locator('.validation[data-state="problems"]').waitFor();
    // Shown under the line the API points at (the same dry run, asked directly).
    const api = (await (await fetch(`${stack.url}/yaml?dryRun=true`, { method: "POST", body: PRIVILEGED, headers: { "content-type": "application/yaml" } })).json()) as {
      problems: { line?: number; message: string }[];
    };
    const privileged = api.problems.find((p) => /privileged/.test(p.message));
    expect(privileged?.line).toBeGreaterThan(0);
    // In the editor: the line the API points at carries an error diagnostic (CodeMirror's lint range).
    const atLine = page.locator(".cm-content .cm-line").nth((privileged?.line ?? 0) - 1);
    await atLine.locator(".cm-lintRange-error").first().waitFor();
    expect(await page.locator(".cm-content .cm-line .cm-lintRange-error").count()).toBeGreaterThan(0);
    expect(await page.locator(".validation .problems").textContent()).toContain(`line ${privileged?.line}`);
    expect(await page.locator(".validation .problems").textContent()).toContain(privileged?.message ?? "?");
    expect(await counts(stack.url)).toEqual(before);
    await ctx.close();
  });

  it("When a valid job is submitted, then it appears and moves live to DONE, with its timeline, manifests and a logs message", async () => {
    const { page, ctx } = await open(stack.url);
    await page.getByLabel("Kubernetes YAML (one or more documents)").fill(JOB);
    await page.locator('.validation[data-state="ok"]').waitFor();
    await page.getByRole("button", { name: "Submit job" }).click();
    // The details open on the new job; the row updates from the event stream, no reload.
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const id = /#\/jobs\/(.+)$/.exec(page.url())?.[1] ?? "";
    await page.locator(`tr[data-job="${id}"] [data-status="DONE"]`).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.timeline li').evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
    await page.getByRole("tab", { name: "Manifests" }).click();
    await page.getByLabel("Submitted versus applied manifests").waitFor();
    // Admission adds the job's namespace: it shows as an added line.
    expect(await page.locator(".diff .added").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(`namespace: job-${id}`)]));
    await page.getByRole("tab", { name: "Logs" }).click();
    await expect.poll(() => page.locator(".logs .error").textContent()).toMatch(/dry-run/i);
    await ctx.close();
  });

  it("When a job is deleted, then its details show ROLLING_BACK then ROLLED_BACK", async () => {
    const { page, ctx } = await open(stack.url);
    await page.getByLabel("Kubernetes YAML (one or more documents)").fill(JOB.replace("name: pi\nspec", "name: pi2\nspec"));
    await page.locator('.validation[data-state="ok"]').waitFor();
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.locator('.details h2 [data-status="DONE"]').waitFor({ timeout: 15_000 });
    let dialogs = 0;
    page.on("dialog", (d) => (dialogs++, void d.dismiss()));
    await page.getByRole("button", { name: "Delete job" }).click();
    // Inline confirmation, not window.confirm: Cancel leaves the job as it is.
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await page.locator('.details h2 [data-status="DONE"]').count()).toBe(1);
    await page.getByRole("button", { name: "Delete job" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    const id = /#\/jobs\/([^?]+)/.exec(page.url())?.[1] ?? "";
    await page.locator('.details h2 [data-status="ROLLED_BACK"]').waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
      // Say which side stalled: the rollback itself (the API's view) or the page following it.
      const job = (await (await fetch(`${stack.url}/jobs/${id}`)).json()) as { status?: string; history?: { status: string }[] };
      const shown = await page.locator(".details h2 [data-status]").getAttribute("data-status").catch(() => "none");
      throw new Error(`${err.message}\njob ${id}: API says ${job.status} (${job.history?.map((h) => h.status).join(" > ")}); the page shows ${shown}`);
    });
    await expect.poll(() => page.locator(".timeline li").evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE", "ROLLING_BACK", "ROLLED_BACK"]);
    expect(dialogs).toBe(0);
    await ctx.close();
  });

  it("When a status is chosen, then the table shows only those jobs and the counts match the API", async () => {
    const { page, ctx } = await open(stack.url);
    const api = await counts(stack.url);
    await expect.poll(() => page.locator('[data-count="DONE"]').textContent()).toBe(String(api.DONE));
    await page.locator('button[data-filter="ROLLED_BACK"]').click();
    await expect.poll(() => page.locator("tbody [data-status]").evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute("data-status")))])).toEqual(["ROLLED_BACK"]);
    await ctx.close();
  });

  it("When the API needs a token, then 401 is explained, and the token entered is kept in this tab's session storage only", async () => {
    const { page, ctx } = await open(secured.url);
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/needs a valid token/);
    await page.getByLabel("API token").fill(TOKEN);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.getByText("Live", { exact: true }).waitFor();
    expect(await page.evaluate("[sessionStorage.length, localStorage.length, document.cookie]")).toEqual([1, 0, ""]);
    // Another tab (a new context) starts without it.
    const other = await open(secured.url);
    await expect.poll(() => other.page.getByRole("alert").textContent()).toMatch(/needs a valid token/);
    await other.ctx.close();
    await ctx.close();
  });

  it("When the queue panel is opened without a cluster, then it says there are no queues (read only when opened)", async () => {
    const { page, ctx, requests } = await open(stack.url);
    await page.getByText("Live", { exact: true }).waitFor();
    expect(requests.some((u) => u.endsWith("/queues"))).toBe(false);
    await page.getByText("Your queue", { exact: true }).click();
    await expect.poll(() => page.locator("details.queue").textContent()).toMatch(/without a cluster/);
    await ctx.close();
  });
});
