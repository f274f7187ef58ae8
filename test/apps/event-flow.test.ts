import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES, JOB_STATUSES, PUBLISHED_BY, SERVICE_NAMES, STATUS_OF, consumersOf, type EventType, type ServiceName } from "../../apps/shared/contract";

const root = path.join(__dirname, "../..");
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The pipeline table of docs/architecture.md, one row per event: the services and status each cell names. */
const docsTable = async () => {
  const lines = (await readFile(path.join(root, "docs/architecture.md"), "utf8")).split("\n");
  const start = lines.findIndex((l) => l.startsWith("| Event (routing key) |"));
  expect(start, "docs/architecture.md has the pipeline table").toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.split("|").slice(1, -1).map((c) => c.trim()));
  }
  const servicesIn = (cell: string) => sorted(SERVICE_NAMES.filter((s) => new RegExp(`(^|[\\s,(])${s}([\\s,)]|$)`).test(cell)));
  return rows.map(([event = "", published = "", consumed = "", status = ""]) => ({
    event: /^`([^`]+)`$/.exec(event)?.[1],
    publishedBy: servicesIn(published),
    consumedBy: servicesIn(consumed),
    status: JOB_STATUSES.find((s) => status.includes(`\`${s}\``)) ?? null,
  }));
};

/** The events each service's own code publishes: event literals in its source, and job.failed if it reports giving up. */
/** The code each service runs: its own folder, and the shared library that publishes on its behalf (the entrypoint mounts the public API). */
const CODE_OF: Record<ServiceName, string[]> = {
  entrypoint: ["apps/entrypoint", "apps/shared/public-api"],
  "yaml-manager": ["apps/yaml-manager"],
  "cluster-applier": ["apps/cluster-applier"],
  "status-worker": ["apps/status-worker"],
};

const publishedInCode = async (service: ServiceName): Promise<string[]> => {
  const found = new Set<string>();
  for (const folder of CODE_OF[service]) {
    const dir = path.join(root, folder);
    for (const file of await readdir(dir, { recursive: true })) {
      if (!file.endsWith(".ts")) continue;
      const text = await readFile(path.join(dir, file), "utf8");
      for (const m of text.matchAll(/\btype: "(job\.[a-z_]+)"/g)) found.add(m[1]!);
      if (text.includes("failJobOnGiveUp(")) found.add("job.failed");
    }
  }
  return sorted(found);
};

describe("the job pipeline's events: contract, code and docs agree", () => {
  it("When the pipeline table of docs/architecture.md is read, then it lists every event once with the contract's publishers, consumers and status", async () => {
    const table = await docsTable();
    expect(sorted(table.map((r) => r.event ?? "?"))).toEqual(sorted(EVENT_TYPES));
    for (const row of table) {
      const type = row.event as EventType;
      expect({ event: type, publishedBy: row.publishedBy, consumedBy: row.consumedBy, status: row.status }).toEqual({
        event: type,
        publishedBy: sorted(PUBLISHED_BY[type]),
        consumedBy: sorted(consumersOf(type)),
        status: STATUS_OF[type],
      });
    }
  });

  it("When the services' code is read, then each publishes exactly the events PUBLISHED_BY gives it", async () => {
    for (const service of SERVICE_NAMES) {
      const expected = sorted(EVENT_TYPES.filter((t) => PUBLISHED_BY[t].includes(service)));
      expect({ service, publishes: await publishedInCode(service) }).toEqual({ service, publishes: expected });
    }
  });

  it("When an event is published, then BINDINGS give it at least one consumer, and never its publisher's own queue", () => {
    for (const type of EVENT_TYPES) {
      expect(PUBLISHED_BY[type].length, `${type} has a publisher`).toBeGreaterThan(0);
      const consumers = consumersOf(type);
      expect(consumers, `${type} is heard`).toContain("status-worker");
      for (const publisher of PUBLISHED_BY[type]) expect(consumers, `${publisher} does not hear its own ${type}`).not.toContain(publisher);
    }
  });

  it("When events are mapped to statuses, then every status is recorded by some event, and only job.workload and job.usage record none", () => {
    expect(EVENT_TYPES.filter((t) => STATUS_OF[t] === null)).toEqual(["job.workload", "job.usage"]);
    expect(new Set(EVENT_TYPES.map((t) => STATUS_OF[t]).filter(Boolean)).size).toBe(JOB_STATUSES.length);
  });
});
