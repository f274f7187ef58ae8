import { execFile } from "node:child_process";
import { promisify } from "node:util";
import net from "node:net";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { JobView } from "../../apps/shared/contract";
import { resolveSettings } from "../../apps/cli/config";
import { startTestStack, type TestStack } from "../support/test-stack";
import { freePort } from "../support/service-process";
import { buildCpctl, runCpctl, type Run } from "../support/cpctl";

const root = path.join(__dirname, "../..");
const fixtures = path.join(__dirname, "../fixtures");
const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";

let bin: string;
/** cpctl as a user runs it: the built bin under plain node, the API named by CP_API_URL. */
const cpctl = (args: string[], opts: { api: string; input?: string; env?: Record<string, string> }): Promise<Run> => runCpctl(bin, args, opts);

let stack: TestStack;
beforeAll(async () => {
  [bin, stack] = await Promise.all([buildCpctl(), startTestStack()]);
}, 60_000);
afterAll(async () => stack?.cleanup());
const run = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => cpctl(args, { api: stack.url, ...opts });

// Each cpctl run is a new process: allow for a loaded machine.
describe("cpctl against the running app (dry-run target)", { timeout: 120_000 }, () => {
  it("When a valid job is submitted with --wait -o json, then it exits 0 and prints one JSON object per line, the last the DONE job", async () => {
    const r = await run(["submit", "-f", path.join(fixtures, "manifests/web-deployment-and-service.yaml"), "--wait", "-o", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const last = JobView.parse(lines.at(-1));
    expect(last.status).toBe("DONE");
    expect(lines.slice(0, -1).every((l) => l.type === "status" || l.type === "workload")).toBe(true);
    expect(r.stderr).toMatch(/accepted/);
  });

  it("When rejected manifests are submitted with --wait, then it exits 2 and prints each problem as file:line: Kind/name: path: message [rule]", async () => {
    const r = await run(["submit", "-f", path.join(fixtures, "hostile/privileged-pod.yaml"), "--wait"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/REJECTED/);
    expect(r.stderr).toMatch(/^privileged-pod\.yaml:\d+: \w+\/[\w.-]+: [\w.[\]]+: .+ \[[\w/-]+\]$/m);
  });

  it("When manifests come on stdin or from a directory, then they are submitted as files of one job; -o name prints only the id", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cpctl-dir-"));
    await writeFile(path.join(dir, "a.yaml"), CONFIGMAP);
    await writeFile(path.join(dir, "b.yml"), CONFIGMAP.replace("name: c", "name: d"));
    await writeFile(path.join(dir, "notes.txt"), "not a manifest");
    const [fromDir, fromStdin] = await Promise.all([run(["submit", "-f", dir, "--wait", "-o", "name"]), run(["submit", "-f", "-", "-o", "name"], { input: CONFIGMAP })]);
    expect(fromDir.code, fromDir.stderr).toBe(0);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    const dirId = fromDir.stdout.trim();
    expect(dirId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fromStdin.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const manifests = (await (await fetch(`${stack.url}/jobs/${dirId}/manifests`)).json()) as { submitted: { name: string }[] };
    expect(manifests.submitted.map((f) => f.name)).toEqual(["a.yaml", "b.yml"]);
    const job = (await (await fetch(`${stack.url}/jobs/${dirId}`)).json()) as { resources: { name: string }[] };
    expect(job.resources.map((x) => x.name).sort()).toEqual(["c", "d"]);
  });

  it("When a job is read with get -o yaml|table and listed, then data is on stdout in that format; an unknown id exits 4", async () => {
    const id = (await run(["submit", "-f", "-", "--wait", "-o", "name"], { input: CONFIGMAP })).stdout.trim();
    const [asYaml, asTable, listed, unknown] = await Promise.all([
      run(["get", id, "-o", "yaml"]),
      run(["get", id]),
      run(["list", "--status", "DONE", "-o", "wide"]),
      run(["get", "00000000-0000-4000-8000-000000000009"]),
    ]);
    expect(asYaml.code).toBe(0);
    expect(parse(asYaml.stdout)).toMatchObject({ id, status: "DONE" });
    expect(asTable.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+STATUS\s+TARGET\s+WORKLOAD\s+PODS\s+AGE$/);
    expect(asTable.stdout).toMatch(new RegExp(`^${id}\\s+configmap-c\\s+DONE\\s+dry-run`, "m"));
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/NAMESPACE\s+RESOURCES\s+COST\s+REASON$/);
    expect(listed.stdout).toContain(id);
    expect(unknown.code).toBe(4);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(/no job 00000000-0000-4000-8000-000000000009/);
  });

  it("When a job is deleted with --wait, then it exits 0 once it is ROLLED_BACK; watch of it exits 0 with the final job last", async () => {
    const id = (await run(["submit", "-f", "-", "--wait", "-o", "name"], { input: CONFIGMAP })).stdout.trim();
    const del = await run(["delete", id, "--wait", "-o", "json"]);
    expect(del.code, del.stderr).toBe(0);
    expect(JobView.parse(JSON.parse(del.stdout.trim().split("\n").at(-1)!)).status).toBe("ROLLED_BACK");
    const watch = await run(["watch", id, "-o", "json"]);
    expect(watch.code).toBe(0);
    expect(JobView.parse(JSON.parse(watch.stdout.trim().split("\n").at(-1)!)).status).toBe("ROLLED_BACK");
  });

  it("When manifests are validated, then valid ones exit 0 and invalid ones exit 2 with their problems on stdout; nothing is submitted", async () => {
    const before = ((await (await fetch(`${stack.url}/jobs?limit=100`)).json()) as { items: unknown[] }).items.length;
    const [ok, bad] = await Promise.all([
      run(["validate", "-f", path.join(fixtures, "manifests/pi-job.yaml")]),
      run(["validate", "-f", path.join(fixtures, "hostile/host-port.yaml")]),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/valid: \d+ object/);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/^host-port\.yaml:\d+: .+\[[\w/-]+\]$/m);
    const after = ((await (await fetch(`${stack.url}/jobs?limit=100`)).json()) as { items: unknown[] }).items.length;
    expect(after).toBe(before);
  });

  it("When asked for logs of a dry-run job, for a missing file, or with a bad flag, then it exits 4; when the API is down, then 5 (worth retrying); each says why on stderr", async () => {
    const id = (await run(["submit", "-f", "-", "-o", "name"], { input: CONFIGMAP })).stdout.trim();
    const port = await freePort();
    const [logs, missing, badFlag, down] = await Promise.all([
      run(["logs", id]),
      run(["submit", "-f", "/nonexistent/x.yaml"]),
      run(["list", "--limit", "zero"]),
      cpctl(["list"], { api: `http://127.0.0.1:${port}` }),
    ]);
    expect(logs.code).toBe(4);
    expect(logs.stderr).toMatch(/dry-run target runs nothing/);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no such file or directory/);
    expect(badFlag.code).toBe(4);
    expect(badFlag.stderr).toMatch(/--limit/);
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/could not reach the API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    for (const r of [logs, missing, badFlag, down]) expect(r.stdout).toBe("");
  });
});

describe("cpctl progress while waiting", { timeout: 120_000 }, () => {
  it("When stderr is not a terminal, then --wait prints one line per change; on a terminal one line is redrawn in place", async () => {
    const plain = await run(["submit", "-f", "-", "--wait"], { input: CONFIGMAP });
    expect(plain.code).toBe(0);
    const changes = plain.stderr.split("\n").filter((l) => /^[0-9a-f-]{36}\s+[A-Z_]+\s+\d+\.\ds/.test(l));
    expect(changes.map((l) => l.split(/\s+/)[1])).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);

    // A pseudo-terminal (util-linux `script`), 120 columns wide, as a user's shell would be.
    const cmd = `stty cols 120 rows 40; printf '${CONFIGMAP.replace(/\n/g, "\\n")}' | CP_API_URL=${stack.url} CPCTL_CONFIG=/nonexistent node ${bin} submit -f - --wait; echo "EXIT=$?"`;
    const { stdout: tty } = await promisify(execFile)("script", ["-qfec", cmd, "/dev/null"], { cwd: root, encoding: "utf8" });
    expect(tty).toMatch(/EXIT=0/);
    // log-update erases the previous line (ESC[2K, ESC[1A) before drawing the next status.
    const ESC = String.fromCharCode(27);
    const afterPending = tty.slice(tty.indexOf("PENDING"));
    expect(afterPending).toContain(`${ESC}[2K${ESC}[1A`);
    expect(tty).toMatch(new RegExp(`${ESC}\\[2K${ESC}\\[G[0-9a-f-]{36}\\s+DONE`));
  });
});

describe("cpctl when the connection drops", { timeout: 120_000 }, () => {
  it("When the event stream is cut after its first event, then watch resumes from the last id and prints each event once", async () => {
    const id = (await run(["submit", "-f", "-", "--wait", "-o", "name"], { input: CONFIGMAP })).stdout.trim();
    const upstreamPort = Number(new URL(stack.url).port);
    let connections = 0;
    // A proxy that, on the first event stream, passes the first event and then cuts both sides.
    let streams = 0;
    const proxy = net.createServer((client) => {
      const upstream = net.connect(upstreamPort, "127.0.0.1");
      connections++;
      // The first request for the event stream (other requests, such as a GET of the job, pass).
      let isStream = false;
      client.on("data", (c: Buffer) => {
        if (!isStream && c.toString("latin1").includes("/events") && streams++ === 0) isStream = true;
      });
      client.pipe(upstream);
      let cut = false;
      upstream.on("data", (chunk: Buffer) => {
        if (cut) return;
        const text = chunk.toString("latin1");
        const at = isStream ? text.indexOf("event: status") : -1;
        if (at < 0) return void client.write(chunk);
        cut = true;
        client.write(chunk.subarray(0, text.indexOf("\n\n", at) + 2), () => {
          client.destroy();
          upstream.destroy();
        });
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const r = await cpctl(["watch", id, "-o", "json"], { api: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}` });
    proxy.close();
    expect(r.code, r.stderr).toBe(0);
    expect(connections).toBeGreaterThanOrEqual(2);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type?: string; status: string });
    expect(lines.filter((l) => l.type === "status").map((l) => l.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);
  });
});

describe("cpctl with tokens, against an app whose jobs never settle (no Cluster Applier)", { timeout: 120_000 }, () => {
  let slow: TestStack;
  beforeAll(async () => {
    slow = await startTestStack({ API_TOKENS: "lab:lab-token-0123456789abcdef" }, ["entrypoint", "yaml-manager", "status-worker"]);
  });
  afterAll(async () => slow?.cleanup());

  it("When --wait outlasts --timeout, then it exits 3; a wrong token exits 4", async () => {
    const [timedOut, unauthorized] = await Promise.all([
      cpctl(["submit", "-f", "-", "--wait", "--timeout", "2s"], { api: slow.url, input: CONFIGMAP, env: { CP_TOKEN: "lab-token-0123456789abcdef" } }),
      cpctl(["list"], { api: slow.url, env: { CP_TOKEN: "wrong-token-0123456789abcdef" } }),
    ]);
    expect(timedOut.code, timedOut.stderr).toBe(3);
    expect(timedOut.stderr).toMatch(/timed out waiting for job .* \(last status APPLYING_IN_CLUSTER\)/);
    expect(unauthorized.code).toBe(4);
    expect(unauthorized.stderr).toMatch(/bearer token/);
    expect(unauthorized.stderr).toMatch(/the token came from CP_TOKEN: check it, or pass another with --token or CP_TOKEN/);
  });
});

describe("cpctl settings", () => {
  it("When flags, environment and a config file profile all name an API, then flags win over the environment, which wins over the file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cpctl-cfg-"));
    const file = path.join(dir, "config.yaml");
    await writeFile(file, "current-profile: lab\nprofiles:\n  lab: {api: 'http://lab:8080', token: file-token}\n  prod: {api: 'https://prod.example', token: prod-token}\n");
    const env = { CPCTL_CONFIG: file };
    expect(resolveSettings({}, env)).toEqual({ api: "http://lab:8080", token: "file-token", tokenFrom: `profile "lab" of ${file}` });
    expect(resolveSettings({ profile: "prod" }, env)).toEqual({ api: "https://prod.example", token: "prod-token", tokenFrom: `profile "prod" of ${file}` });
    expect(resolveSettings({}, { ...env, CP_API_URL: "http://env:1", CP_TOKEN: "env-token" })).toEqual({ api: "http://env:1", token: "env-token", tokenFrom: "CP_TOKEN" });
    expect(resolveSettings({ api: "http://flag:2" }, { ...env, CP_API_URL: "http://env:1" })).toEqual({ api: "http://flag:2", token: "file-token", tokenFrom: `profile "lab" of ${file}` });
    expect(() => resolveSettings({ profile: "nope" }, env)).toThrow(/no profile "nope".*profiles: lab, prod/);
    expect(resolveSettings({}, { CPCTL_CONFIG: path.join(dir, "absent.yaml") })).toEqual({ api: "http://127.0.0.1:8080" });
    expect(readFileSync(file, "utf8")).toContain("lab");
  });
});

describe("cpctl config file and --api checks (the built bin)", { timeout: 60_000 }, () => {
  it("When the config file has an unknown key or a bad value, then it exits 4 naming the file, each field and its reason, without a stack trace", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cpctl-cfg-"));
    const file = path.join(dir, "config.yaml");
    await writeFile(file, "current-profile: lab\nprofiles:\n  lab: {api: 'http://lab:8080', tokn: typo}\n  prod: {api: 'not a url'}\n");
    const r = await runCpctl(bin, ["list"], { env: { CPCTL_CONFIG: file } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`config file ${file} is not valid`);
    expect(r.stderr).toMatch(/Unrecognized key: "tokn"[\s\S]*→ at profiles\.lab/);
    expect(r.stderr).toMatch(/→ at profiles\.prod\.api/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain("[");
    expect(r.stdout).toBe("");
  });

  it("When --api, CP_API_URL or a profile gives an address without a scheme, then it exits 4 at once saying where it came from and how to write it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cpctl-cfg-"));
    const file = path.join(dir, "config.yaml");
    await writeFile(file, "current-profile: lab\nprofiles:\n  lab: {token: t}\n");
    const [flag, env] = await Promise.all([
      runCpctl(bin, ["--api", "localhost:8080", "list"]),
      runCpctl(bin, ["list"], { env: { CP_API_URL: "127.0.0.1:8080", CPCTL_CONFIG: file } }),
    ]);
    expect(flag.code).toBe(4);
    expect(flag.stderr).toMatch(/--api "localhost:8080" is not an http\(s\) URL: write it with its scheme, e\.g\. http:\/\/localhost:8080/);
    expect(env.code).toBe(4);
    expect(env.stderr).toMatch(/CP_API_URL "127\.0\.0\.1:8080" is not an http\(s\) URL/);
    expect(flag.stderr + env.stderr).not.toMatch(/fetch failed/);
  });
});
