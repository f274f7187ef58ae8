import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { QueuePolicy } from "../../apps/shared/contract";

const run = promisify(execFile);

/**
 * RabbitMQ policies for tests, through the management HTTP API when the local broker has it
 * (guest:guest on 15672), else through `rabbitmqctl` (the Debian package's broker, which these
 * machines and CI run without the management plugin; rabbitmqctl needs root or the Erlang
 * cookie). Policies cannot be set over AMQP.
 */
const MANAGEMENT = process.env.RABBITMQ_MANAGEMENT_URL ?? "http://127.0.0.1:15672";
const AUTH = `Basic ${Buffer.from("guest:guest").toString("base64")}`;

let viaHttp: Promise<boolean> | undefined;
const hasManagementApi = () =>
  (viaHttp ??= fetch(`${MANAGEMENT}/api/overview`, { headers: { authorization: AUTH }, signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  ));

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${MANAGEMENT}/api${path}`, {
    method,
    headers: { authorization: AUTH, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && !(method === "DELETE" && res.status === 404)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
};

const ctl = async (...args: string[]) => {
  try {
    return (await run("rabbitmqctl", ["-q", ...args], { timeout: 60_000 })).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args[0]}: ${`${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || e.message}`);
  }
};

/** Declare (or update) a policy in the default virtual host; throws the broker's refusal. */
export const setPolicy = async (p: QueuePolicy): Promise<void> => {
  const { name, ...body } = p;
  if (await hasManagementApi()) await api("PUT", `/policies/%2F/${encodeURIComponent(name)}`, body);
  else await ctl("set_policy", "--apply-to", p["apply-to"], "--priority", String(p.priority), name, p.pattern, JSON.stringify(p.definition));
};

export const clearPolicy = async (name: string): Promise<void> => {
  if (await hasManagementApi()) await api("DELETE", `/policies/%2F/${encodeURIComponent(name)}`);
  else await ctl("clear_policy", name).catch(() => undefined);
};

/** A queue's messages, ready and unacknowledged together (-1 when the queue is not there). */
export const queueMessages = async (name: string): Promise<number> => {
  let rows: { name: string; messages?: number | null }[];
  if (await hasManagementApi()) rows = (await api("GET", "/queues/%2F?columns=name,messages")) as typeof rows;
  else rows = JSON.parse(await ctl("list_queues", "--formatter", "json", "name", "messages")) as typeof rows;
  const row = rows.find((r) => r.name === name);
  return row ? Number(row.messages ?? 0) : -1;
};

/** Which policy applies to each of these queues ("" for none). */
export const queuePolicies = async (names: string[]): Promise<Record<string, string>> => {
  let rows: { name: string; policy?: string | null }[];
  if (await hasManagementApi()) rows = (await api("GET", "/queues/%2F?columns=name,policy")) as typeof rows;
  else rows = JSON.parse(await ctl("list_queues", "--formatter", "json", "name", "policy")) as typeof rows;
  const wanted = new Set(names);
  return Object.fromEntries(rows.filter((r) => wanted.has(r.name)).map((r) => [r.name, r.policy ?? ""]));
};
