/**
 * The image as it is built and run, without Docker (none here): the Dockerfile's stages are
 * carried out in folders (test/support/dockerfile.ts), with its own install command, `npm run
 * build`, its COPY lines and its ENTRYPOINT. The build stage's install is the one step
 * replaced: it links the checkout's node_modules, which holds everything that install would.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_NAMES, type JobView, type ServiceName } from "../../apps/shared/contract";
import { entrypoint, envOf, readDockerfile, runStage } from "../support/dockerfile";
import { spawnService, type ServiceProcess } from "../support/service-process";
import { AMQP_URL, REDIS_URL, postYaml, removeBrokerObjects, removeRedisKeys, uniquePrefix, waitForStatus } from "../support/test-stack";

const ROOT = path.join(__dirname, "../..");
const stages = readDockerfile(readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
const final = stages.at(-1)!;
const work = mkdtempSync(path.join(os.tmpdir(), "cp-image-"));
const imageDir = path.join(work, "final");
const prefix = uniquePrefix("image");
const procs = new Map<ServiceName, ServiceProcess>();

// Bounded: npm installs from its cache when it can (CI's own `npm ci` has filled it), and any
// step that takes longer than this fails the test with its output.
const STEP_TIMEOUT_MS = 240_000;

beforeAll(() => {
  const dirs = new Map<string, string>();
  for (const stage of stages) {
    const dir = path.join(work, stage.name);
    dirs.set(stage.name, dir);
    runStage(stage, {
      context: ROOT,
      dir,
      stages: dirs,
      env: { ...process.env, npm_config_prefer_offline: "true", npm_config_update_notifier: "false" },
      replaceInstall: stage.name === "build" ? { command: "npm ci", nodeModules: path.join(ROOT, "node_modules") } : undefined,
      timeoutMs: STEP_TIMEOUT_MS,
    });
  }
}, 2 * STEP_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const p of procs.values()) p.child.kill("SIGKILL");
  await removeBrokerObjects(prefix);
  await removeRedisKeys(prefix);
  await rm(work, { recursive: true, force: true }); // a whole node_modules: slow on a busy disk
}, 300_000);

const sizeOf = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = path.join(dir, e.name);
    return sum + (e.isDirectory() ? sizeOf(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);

describe("the Management App image (Dockerfile stages run in folders)", () => {
  it("When the image's dependencies are installed, then they hold what the services load and no Pulumi SDK, policy pack or dev tool", () => {
    const modules = path.join(imageDir, "node_modules");
    const installed = (name: string) => existsSync(path.join(modules, name, "package.json"));
    for (const loaded of ["express", "amqplib", "ioredis", "zod", "kubernetes-models", "@kubernetes/client-node", "@google-cloud/storage"]) {
      expect(installed(loaded), loaded).toBe(true);
    }
    for (const absent of ["@pulumi/pulumi", "@pulumi/gcp", "@pulumi/policy", "typescript", "vitest", "tsx", "eslint", "fast-check"]) {
      expect(installed(absent), absent).toBe(false);
    }
    // docs/architecture.md ("What the image carries") reports the measured size; this guards it (it was 362 MB with the Pulumi SDK).
    const mb = sizeOf(modules) / 1e6;
    expect(mb, `image node_modules is ${mb.toFixed(0)} MB`).toBeLessThan(200);
  });

  it("When each service starts from dist/ with the image's ENTRYPOINT, then /readyz answers on the local broker and Redis, and a job reaches DONE", async () => {
    const [node, ...args] = entrypoint(final);
    expect(path.basename(node!)).toBe("node");
    const dataDir = path.join(work, "data");
    const env = { ...envOf(final), AMQP_URL, REDIS_URL, NAME_PREFIX: prefix, DATA_DIR: dataDir };
    for (const name of SERVICE_NAMES) procs.set(name, await spawnService(name, env, { cwd: imageDir, args }));
    await Promise.all([...procs.values()].map((p) => p.ready()));

    const entry = `http://127.0.0.1:${procs.get("entrypoint")!.port}`;
    const res = await postYaml(entry, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const job = await waitForStatus(entry, id, ["DONE"], 20_000);
    expect(job.history.map((h) => h.status)).toEqual(["PENDING", "APPLYING_IN_CLUSTER", "DONE"]);

    const applier = procs.get("cluster-applier")!;
    applier.child.kill("SIGTERM");
    expect(await applier.exited).toBe(0);
  }, 120_000);
});
