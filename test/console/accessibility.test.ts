/**
 * The web console checked against references in a real browser (Debian's Chromium): axe-core
 * (the engine of Lighthouse's accessibility audit) on every view, light and dark; a keyboard-only
 * run of the main flows; no horizontal overflow at 420 px; screenshots at 1280 and 420 px, light
 * and dark, kept under .test-results/screenshots (not committed). CSP violations are counted in
 * each page and must stay at none.
 */
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../scripts/build-console";
import { startTestStack, type TestStack } from "../support/test-stack";
import { launchChromium } from "./browser";

const JOB = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: pi\n          image: perl:5.34\n          command: [perl, -e, print 1]\n";
const PRIVILEGED = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      securityContext: {privileged: true}\n      image: busybox\n";
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const SHOTS = path.join(__dirname, "../../.test-results/screenshots");

let browser: Browser;
let stack: TestStack;
let secured: TestStack;

beforeAll(async () => {
  await Promise.all([buildConsole(), mkdir(SHOTS, { recursive: true })]);
  [browser, stack, secured] = await Promise.all([launchChromium(), startTestStack(), startTestStack({ API_TOKENS: "team-a:s3cret-token-for-tests-0123456789" })]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([stack?.cleanup(), secured?.cleanup()]);
});

type Scheme = "light" | "dark";
const open = async (base: string, opts: { scheme: Scheme; width: number; hash?: string }): Promise<{ page: Page; ctx: BrowserContext }> => {
  const ctx = await browser.newContext({ colorScheme: opts.scheme, viewport: { width: opts.width, height: 900 } });
  const page = await ctx.newPage();
  await page.addInitScript(`window.__cspViolations = []; document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));`);
  await page.goto(`${base}/${opts.hash ?? ""}`);
  await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
  return { page, ctx };
};

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}
/** axe-core run inside the page (evaluated through the DevTools protocol, which the page's CSP does not govern). */
const axe = async (page: Page): Promise<Violation[]> => {
  await page.evaluate(AXE);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }, resultTypes: ["violations"] })`)) as { violations: Violation[] };
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
};
const summary = (vs: Violation[]) => vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
const cspViolations = (page: Page) => page.evaluate("window.__cspViolations") as Promise<string[]>;
const overflows = (page: Page) => page.evaluate("document.documentElement.scrollWidth > window.innerWidth") as Promise<boolean>;

const submitJob = async (): Promise<string> => {
  const res = await fetch(`${stack.url}/yaml`, { method: "POST", body: JOB, headers: { "content-type": "application/yaml" } });
  return ((await res.json()) as { id: string }).id;
};

describe("the console's views, light and dark, against axe-core", { timeout: 180_000 }, () => {
  for (const scheme of ["light", "dark"] as const) {
    it(`When every view is shown in ${scheme} mode at 1280 and 420 px, then axe finds no serious or critical violation (at 1280), nothing overflows at 420 px, and the CSP reports none`, async () => {
      const id = await submitJob();
      const findings: string[] = [];
      for (const width of [1280, 420]) {
        const tag = `${scheme}-${width}`;
        // axe at the wide layout only: its rules (names, roles, contrast, landmarks) do not depend
        // on the width, and each run costs seconds on a busy machine; the narrow layout is checked
        // for overflow and kept as screenshots.
        const audit = async (p: Page, what: string) => {
          if (width === 1280) findings.push(...summary(await axe(p)).map((f) => `${what} ${tag}: ${f}`));
        };
        // The list and the submit panel, with a dry run's problems showing.
        const { page, ctx } = await open(stack.url, { scheme, width });
        await page.locator(`tr[data-job="${id}"]`).waitFor();
        await audit(page, "list");
        await page.getByLabel("Kubernetes YAML (one or more documents)").fill(PRIVILEGED);
        await page.locator('.validation[data-state="problems"]').waitFor();
        await audit(page, "dry run");
        await page.screenshot({ path: path.join(SHOTS, `submit-${tag}.png`), fullPage: true });
        if (width === 420) expect(await overflows(page), `list at ${tag}`).toBe(false);

        // A job's details, each tab, and the delete confirmation.
        await page.goto(`${stack.url}/#/jobs/${id}`);
        await page.locator('.details h2 [data-status="DONE"]').waitFor({ timeout: 15_000 });
        await audit(page, "overview");
        await page.screenshot({ path: path.join(SHOTS, `details-${tag}.png`), fullPage: true });
        if (width === 420) expect(await overflows(page), `details at ${tag}`).toBe(false);
        await page.getByRole("tab", { name: "Manifests" }).click();
        await page.getByLabel("Submitted versus applied manifests").waitFor();
        // Open the defaults the platform applied, where there are any (a click on nothing would wait out its timeout).
        const defaults = page.locator(".defaults summary").first();
        if ((await defaults.count()) > 0) await defaults.click();
        await audit(page, "manifests");
        await page.screenshot({ path: path.join(SHOTS, `manifests-${tag}.png`), fullPage: true });
        if (width === 420) expect(await overflows(page), `manifests at ${tag}`).toBe(false);
        await page.getByRole("tab", { name: "Logs" }).click();
        await page.locator(".logs .error").waitFor();
        await audit(page, "logs");
        await page.getByRole("button", { name: "Delete job" }).click();
        await page.getByRole("button", { name: "Yes, delete" }).waitFor();
        await audit(page, "confirm");
        await page.screenshot({ path: path.join(SHOTS, `confirm-${tag}.png`), fullPage: true });
        expect(await cspViolations(page)).toEqual([]);
        await ctx.close();

        // The token prompt of an API that needs one (the 401 explained).
        const locked = await open(secured.url, { scheme, width });
        await locked.page.getByRole("alert").waitFor();
        await audit(locked.page, "token");
        await locked.page.screenshot({ path: path.join(SHOTS, `token-${tag}.png`), fullPage: true });
        if (width === 420) expect(await overflows(locked.page), `token view at ${tag}`).toBe(false);
        expect(await cspViolations(locked.page)).toEqual([]);
        await locked.ctx.close();
      }
      expect(findings).toEqual([]);
    });
  }

  it("When dark mode is preferred, then the page's colours are the dark ones (not the light page with a dark editor)", async () => {
    const [light, dark] = await Promise.all([open(stack.url, { scheme: "light", width: 1280 }), open(stack.url, { scheme: "dark", width: 1280 })]);
    const bg = (p: Page) => p.evaluate("[getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.querySelector('.cm-editor')).backgroundColor]") as Promise<string[]>;
    const [l, d] = await Promise.all([bg(light.page), bg(dark.page)]);
    expect(l).toEqual(["rgb(255, 255, 255)", "rgb(255, 255, 255)"]);
    expect(d).toEqual(["rgb(13, 17, 23)", "rgb(13, 17, 23)"]);
    await Promise.all([light.ctx.close(), dark.ctx.close()]);
  });
});

/** Press Tab until the focused element matches `selector` (at most `max` presses); fails if it never does. */
const tabTo = async (page: Page, selector: string, max = 60) => {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(`Boolean(document.activeElement && document.activeElement.matches(${JSON.stringify(selector)}))`)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
};
const focused = (page: Page) => page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.textContent)") as Promise<string>;

describe("the console with the keyboard only", { timeout: 120_000 }, () => {
  it("When a job is submitted, opened, its tabs switched with the arrow keys, its logs followed and it is deleted with the keyboard alone, then each step works", async () => {
    const { page, ctx } = await open(stack.url, { scheme: "light", width: 1280 });
    let dialogs = 0;
    page.on("dialog", (d) => (dialogs++, void d.dismiss()));
    // Submit: Tab into the editor, paste (insertText is what a paste does), Tab to the button, Enter.
    await tabTo(page, "#yaml-input");
    await page.keyboard.insertText(JOB);
    await page.locator('.validation[data-state="ok"]').waitFor();
    await tabTo(page, "button.primary");
    await page.keyboard.press("Enter");
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const id = /#\/jobs\/(.+)$/.exec(page.url())?.[1] ?? "";
    await page.locator('.details h2 [data-status="DONE"]').waitFor({ timeout: 15_000 });

    // Open a job from the list: its link, then Enter.
    await page.locator("body").focus();
    await tabTo(page, `tr[data-job="${id}"] a`);
    await page.keyboard.press("Enter");
    expect(page.url()).toMatch(new RegExp(`#/jobs/${id}$`));

    // Tabs: one tab stop; arrows move and select, Home/End jump.
    await tabTo(page, '[role="tab"][aria-selected="true"]');
    expect(await focused(page)).toBe("tab-overview");
    await page.keyboard.press("ArrowRight");
    expect(await focused(page)).toBe("tab-manifests");
    await page.getByLabel("Submitted versus applied manifests").waitFor();
    await page.keyboard.press("End");
    expect(await focused(page)).toBe("tab-logs");
    await page.keyboard.press("ArrowRight");
    expect(await focused(page)).toBe("tab-overview");
    await page.keyboard.press("ArrowLeft");
    expect(await page.getByRole("tab", { name: "Logs" }).getAttribute("aria-selected")).toBe("true");
    // Follow the logs: Tab to the checkbox, Space.
    await tabTo(page, '.log-controls input[type="checkbox"]');
    await page.keyboard.press("Space");
    expect(await page.locator('.log-controls input[type="checkbox"]').isChecked()).toBe(true);
    await page.locator(".logs .error").waitFor();

    // Delete: Enter on the button, focus moves to the confirmation; Escape cancels and focus returns.
    await tabTo(page, "button.danger");
    await page.keyboard.press("Enter");
    expect(await focused(page)).toBe("Yes, delete");
    await page.keyboard.press("Escape");
    expect(await focused(page)).toBe("Delete job");
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("Yes, delete");
    await page.keyboard.press("Enter");
    await page.locator('.details h2 [data-status="ROLLED_BACK"]').waitFor({ timeout: 15_000 });
    expect(dialogs).toBe(0);
    expect(await cspViolations(page)).toEqual([]);
    await ctx.close();
  });

  it("When a status filter is chosen and a job opened, then both are in the URL, and loading that URL shows the same view", async () => {
    const id = await submitJob();
    const { page, ctx } = await open(stack.url, { scheme: "light", width: 1280 });
    await page.locator('button[data-filter="DONE"]').click();
    await page.locator(`tr[data-job="${id}"] a`).click();
    expect(new URL(page.url()).search).toBe("?status=DONE");
    expect(new URL(page.url()).hash).toBe(`#/jobs/${id}`);
    const again = await open(stack.url, { scheme: "light", width: 1280, hash: `?status=DONE#/jobs/${id}` });
    await again.page.locator('.details h2 [data-status="DONE"]').waitFor({ timeout: 15_000 });
    expect(await again.page.locator('button[data-filter="DONE"]').getAttribute("aria-pressed")).toBe("true");
    await again.page.goBack().catch(() => undefined);
    await Promise.all([ctx.close(), again.ctx.close()]);
  });
});
