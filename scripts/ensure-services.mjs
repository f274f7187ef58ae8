#!/usr/bin/env node
// Makes sure RabbitMQ and Redis answer before `npm start`, `npm test` or `npm run bench`.
// For a local address: start the installed server, or install it from Debian/Ubuntu
// packages when we can (root + apt-get), or stop with the exact command to run.
// Remote addresses (AMQP_URL / REDIS_URL pointing elsewhere) are only checked.
import { execSync, spawnSync } from "node:child_process";
import net from "node:net";

const services = [
  {
    name: "RabbitMQ",
    url: new URL(process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672"),
    defaultPort: 5672,
    pkg: "rabbitmq-server",
    binary: "rabbitmq-server",
    start: ["rabbitmq-server", ["-detached"]],
    waitSeconds: 60,
  },
  {
    name: "Redis",
    url: new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379"),
    defaultPort: 6379,
    pkg: "redis-server",
    binary: "redis-server",
    // No persistence: local state is disposable, and nothing is written outside /tmp.
    start: ["redis-server", ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no", "--dir", "/tmp"]],
    waitSeconds: 20,
  },
];

const isLocal = (host) => ["127.0.0.1", "localhost", "::1", "[::1]"].includes(host);
const reachable = (host, port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: host.replace(/^\[|\]$/g, ""), port, timeout: 1000 });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
    s.once("timeout", () => (s.destroy(), resolve(false)));
  });
const has = (bin) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

async function waitFor(svc, host, port) {
  for (let i = 0; i < svc.waitSeconds * 2; i++) {
    if (await reachable(host, port)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

let failed = false;
for (const svc of services) {
  const host = svc.url.hostname || "127.0.0.1";
  const port = Number(svc.url.port || svc.defaultPort);
  if (await reachable(host, port)) continue;
  if (!isLocal(host)) {
    console.error(`✗ ${svc.name} at ${host}:${port} is not reachable. Check ${svc.name === "Redis" ? "REDIS_URL" : "AMQP_URL"}.`);
    failed = true;
    continue;
  }
  if (!has(svc.binary)) {
    if (isRoot && has("apt-get")) {
      console.log(`… installing ${svc.pkg} from the OS packages`);
      execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${svc.pkg}`, { stdio: "inherit" });
    } else {
      console.error(`✗ ${svc.name} is not installed. Install it, then run this command again:\n    sudo apt-get install -y ${svc.pkg}`);
      failed = true;
      continue;
    }
  }
  console.log(`… starting ${svc.name} on ${host}:${port}`);
  const [cmd, args] = svc.start;
  spawnSync(cmd, args, { stdio: "ignore" });
  if (!(await waitFor(svc, host, port))) {
    console.error(`✗ ${svc.name} did not come up on ${host}:${port} within ${svc.waitSeconds}s. Start it by hand: ${cmd} ${args.join(" ")}`);
    failed = true;
  } else {
    console.log(`✓ ${svc.name} is up`);
  }
}
if (failed) process.exit(1);
