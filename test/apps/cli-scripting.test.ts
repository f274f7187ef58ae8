/**
 * cpctl for scripts: paging, describe, JSONPath and --no-headers, terminal width, usage,
 * Go durations, polite retries, Idempotency-Key, fail-fast watch, grouped defaults. The
 * built bin under plain node, against the app on the local RabbitMQ and Redis (dry-run
 * target); the only double is an HTTP proxy in front of it that answers 429 when told to.
 */
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDuration } from "../../apps/cli/main";
import { jsonPath } from "../../apps/cli/jsonpath";
import { buildCpctl, runCpctl } from "../support/cpctl";
import { freePort } from "../support/service-process";
import { startTestStack, type TestStack } from "../support/test-stack";

const fixtures = path.join(__dirname, "../fixtures");
const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";

let bin: string;
let stack: TestStack;
beforeAll(async () => {
  [bin, stack] = await Promise.all([buildCpctl(), startTestStack()]);
}, 60_000);
afterAll(async () => stack?.cleanup());
const run = (args: string[], opts: { input?: string; env?: Record<string, string>; api?: string } = {}) => runCpctl(bin, args, { api: stack.url, ...opts });
const submitted = async () => (await run(["submit", "-f", "-", "--wait", "-o", "name", "-q"], { input: CONFIGMAP })).stdout.trim();

describe("cpctl list pages", { timeout: 120_000 }, () => {
  it("When there are more jobs than --limit, then it says how to get the next ones; --cursor continues without overlap; --all lists every job", async () => {
    for (let i = 0; i < 5; i++) await submitted();
    const total = Object.values(((await (await fetch(`${stack.url}/jobs/counts`)).json()) as { counts: Record<string, number> }).counts).reduce((a, b) => a + b, 0);
    const first = await run(["list", "--limit", "3", "-o", "name"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split("\n")).toHaveLength(3);
    const cursor = /cpctl list --cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor, first.stderr).toBeDefined();
    const rest = await run(["list", "--cursor", cursor!, "--limit", "500", "-o", "name"]);
    expect(rest.code, rest.stderr).toBe(0);
    const restIds = rest.stdout.trim().split("\n");
    expect(restIds.filter((id) => first.stdout.includes(id))).toEqual([]);
    expect(rest.stderr).not.toMatch(/more jobs/);
    const all = await run(["list", "--all", "-o", "json"]);
    const page = JSON.parse(all.stdout) as { items: { id: string }[]; nextCursor?: string };
    expect(page.items).toHaveLength(total);
    expect(page.nextCursor).toBeUndefined();
    expect(new Set([...first.stdout.trim().split("\n"), ...restIds])).toEqual(new Set(page.items.map((j) => j.id)));
  });

  it("When --limit is 0 or --all comes with --limit, then it exits 4 before any call, naming the flag", async () => {
    const port = await freePort();
    // An API that is not there: a call would end in "could not reach", not in the flag's message.
    const [zero, both] = await Promise.all([run(["list", "--limit", "0"], { api: `http://127.0.0.1:${port}` }), run(["list", "--all", "--limit", "3"], { api: `http://127.0.0.1:${port}` })]);
    expect(zero.code).toBe(4);
    expect(zero.stderr).toMatch(/--limit.*a whole number of at least 1/);
    expect(both.code).toBe(4);
    expect(both.stderr).toMatch(/--limit.*cannot be used with option '--all'|--all.*--limit/);
    expect(zero.stderr + both.stderr).not.toMatch(/could not reach/);
  });
});

describe("cpctl describe, -o jsonpath, --no-headers, terminal width, usage", { timeout: 120_000 }, () => {
  it("When a refused job is described, then it shows status, reason, each problem at file:line, and the timeline with zoned times", async () => {
    const id = (await run(["submit", "-f", path.join(fixtures, "hostile/privileged-pod.yaml"), "--wait", "-o", "name"])).stdout.trim().split("\n")[0]!;
    const [d, got] = await Promise.all([run(["describe", id]), run(["get", id])]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^Status:\s+REJECTED$/m);
    expect(d.stdout).toMatch(/^Reason:\s+\S/m);
    expect(d.stdout).toMatch(/^Problems:\n {2}privileged-pod\.yaml:\d+: \w+\/[\w.-]+: .+\[[\w/-]+\]$/m);
    expect(d.stdout).toMatch(/^Timeline:\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d {2}PENDING\s*\n {2}.+REJECTED\s+\+\d/m);
    // get keeps stdout for the table and says why on stderr.
    expect(got.stdout).toMatch(/REJECTED/);
    expect(got.stderr).toMatch(/^REJECTED: .+cpctl describe/m);
    expect(got.stderr).toMatch(/^privileged-pod\.yaml:\d+: /m);
  });

  it("When -o jsonpath= is used, then fields, [*], [n] and range/end print as kubectl would; an unsupported template exits 4 before any call", async () => {
    await submitted();
    const id = await submitted();
    const [status, ids, ranged, first, bad] = await Promise.all([
      run(["get", id, "-o", "jsonpath={.status}"]),
      run(["list", "--limit", "2", "-o", "jsonpath={.items[*].id}"]),
      run(["list", "--status", "DONE", "--limit", "2", "-o", 'jsonpath={range .items[*]}{.id}{"\\t"}{.status}{"\\n"}{end}']),
      run(["list", "--limit", "1", "-o", "jsonpath={.items[0].resources[0].kind}"]),
      run(["list", "-o", "jsonpath={.items[?(@.status=='DONE')].id}"]),
    ]);
    expect(status.stdout.trim()).toBe("DONE");
    expect(ids.stdout.trim()).toMatch(/^[0-9a-f-]{36} [0-9a-f-]{36}$/);
    expect(ranged.stdout.trim().split("\n").map((l) => l.split("\t")[1])).toEqual(["DONE", "DONE"]);
    expect(first.stdout.trim()).toBe("ConfigMap");
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/filters .* are not supported/);
  });

  it("When tables are asked --no-headers or into a narrow terminal (COLUMNS), then the header goes and every line fits, the id whole", async () => {
    const id = await submitted();
    const [plain, narrow] = await Promise.all([run(["list", "--limit", "3", "--no-headers"]), run(["list", "--limit", "3", "-o", "wide"], { env: { COLUMNS: "120" } })]);
    // ID, then the job's name (issue 24), then its status.
    expect(plain.stdout.split("\n")[0]).toMatch(/^[0-9a-f-]{36}\s+\S+\s+DONE/);
    const lines = narrow.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS/);
    // Unfitted, a wide row is far wider (the namespace alone is 40 characters).
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);
    expect(lines.some((l) => l.includes("…"))).toBe(true);
    expect(narrow.stdout).toContain(id);
  });

  it("When usage is asked, then totals and the top jobs print; -o json is the API's report", async () => {
    const [table, json] = await Promise.all([run(["usage"]), run(["usage", "--top", "3", "-o", "json"])]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^Total: [\d.]+ core-h, [\d.]+ GiB-h, [\d.]+ GPU-h, estimated \$[\d.]+/m);
    expect(JSON.parse(json.stdout)).toMatchObject({ totals: { estimatedCostUsd: expect.any(Number) }, jobs: expect.any(Array) });
  });
});

describe("cpctl durations, retries, keys, defaults", { timeout: 120_000 }, () => {
  it("When a duration is written as Go does (1h30m, 1.5h, 300ms, 90), then it is read as kubectl reads it", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("2m3s")).toBe(123_000);
    expect(parseDuration("300ms")).toBe(300);
    expect(parseDuration("90")).toBe(90_000);
    expect(() => parseDuration("1x")).toThrow(/1h30m/);
    expect(() => parseDuration("h")).toThrow();
  });

  it("When --timeout 1h30m is given, then submit --wait accepts it and exits 0; --timeout 1d exits 4 naming the forms", async () => {
    const [ok, bad] = await Promise.all([run(["submit", "-f", "-", "--wait", "--timeout", "1h30m", "-q"], { input: CONFIGMAP }), run(["submit", "-f", "-", "--wait", "--timeout", "1d"], { input: CONFIGMAP })]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/--timeout.*1h30m/);
  });

  it("When the API answers 429 with Retry-After, then cpctl waits, says so, and retries; every submit carries an Idempotency-Key, the same on each try", async () => {
    const upstream = new URL(stack.url);
    const seen: { method: string; url: string; key?: string }[] = [];
    let refuse = 0;
    // An HTTP double in front of the app: the first call of each command gets 429.
    const proxy = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, ...(req.headers["idempotency-key"] ? { key: String(req.headers["idempotency-key"]) } : {}) });
      if (refuse > 0) {
        refuse--;
        res.writeHead(429, { "Retry-After": "1", "Content-Type": "application/json" }).end(JSON.stringify({ error: "rate limit of tenant default exceeded" }));
        return;
      }
      const out = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      req.pipe(out);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const api = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      refuse = 1;
      const listed = await run(["list", "--limit", "1"], { api });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stderr).toMatch(/the API answered 429; retrying in 1\.0s/);
      expect(seen.filter((s) => s.url.startsWith("/jobs?"))).toHaveLength(2);

      refuse = 1;
      seen.length = 0;
      const sub = await run(["submit", "-f", "-", "-o", "name", "-q"], { api, input: CONFIGMAP });
      expect(sub.code, sub.stderr).toBe(0);
      const posts = seen.filter((s) => s.method === "POST");
      expect(posts).toHaveLength(2);
      expect(posts[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
      expect(posts[1]!.key).toBe(posts[0]!.key);
    } finally {
      proxy.close();
    }
  });

  it("When watch is pointed at an API that is not there, then it says so at once (exit 5: worth retrying), long before the reconnect window", async () => {
    const port = await freePort();
    const started = performance.now();
    const r = await run(["watch", "00000000-0000-4000-8000-000000000001"], { api: `http://127.0.0.1:${port}` });
    const tookMs = performance.now() - started;
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/could not reach the API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is it running\? check --api, CP_API_URL or your profile\)/);
    // The reconnect window (follow-job.ts) is 30 s; failing fast means a small part of it.
    expect(tookMs).toBeLessThan(30_000 / 3);
  });

  it("When a minimal Job is validated, then the defaults applied are one line (its object at file:line); --show-defaults lists each at its file:line; --quiet none", async () => {
    const file = path.join(fixtures, "manifests/pi-job.yaml");
    const [grouped, all, quiet] = await Promise.all([run(["validate", "-f", file]), run(["validate", "-f", file, "--show-defaults"]), run(["validate", "-f", file, "--quiet"])]);
    const n = Number(/the platform applied (\d+) defaults to Job\/pi \(pi-job\.yaml:\d+\); --show-defaults lists them/.exec(grouped.stderr)?.[1]);
    expect(n, grouped.stderr).toBeGreaterThan(1);
    // Each at file:line, as problems are.
    expect(all.stderr.split("\n").filter((l) => /^default: pi-job\.yaml:\d+: Job\/pi: /.test(l))).toHaveLength(n);
    expect(quiet.stderr).not.toMatch(/default/);
    for (const r of [grouped, all, quiet]) expect(r.code).toBe(0);
  });
});

describe("kubectl's JSONPath subset", () => {
  it("When templates use fields, [*], [n], negative [n], quoted keys, literals and nested range/end, then the text is kubectl's", () => {
    const data = { items: [{ id: "a", tags: { "x.y": 1 }, c: [{ n: 1 }, { n: 2 }] }, { id: "b", tags: {}, c: [{ n: 3 }] }] };
    expect(jsonPath("{.items[*].id}", data)).toBe("a b");
    expect(jsonPath("{.items[-1].id}", data)).toBe("b");
    expect(jsonPath("{.items[0].tags['x.y']}", data)).toBe("1");
    expect(jsonPath("{range .items[*]}{.id}:{range .c[*]}{.n},{end};{end}", data)).toBe("a:1,2,;b:3,;");
    expect(jsonPath('{.items[0].id}{"\\n"}', data)).toBe("a\n");
    expect(jsonPath("{.items[0].missing}x", data)).toBe("x");
    expect(jsonPath("{$.items[1].id}", data)).toBe("b");
    expect(() => jsonPath("{range .items[*]}{.id}", data)).toThrow(/no "\{end\}"/);
    expect(() => jsonPath("{..id}", data)).toThrow(/recursive descent/);
    expect(() => jsonPath("{.items[0:1]}", data)).toThrow(/slices/);
  });
});
