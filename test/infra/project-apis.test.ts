import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { API_OF_MODULE, PROJECT_APIS } from "../../infra/project-apis";
import { ofType, runStack } from "./stack-suite";

/**
 * Issue 22, item 7: the first `up` in a new project failed on Certificate Manager, whose API
 * nothing enabled. Every API the program's resources call is enabled by the program, before
 * them, and stays enabled at destroy.
 */
let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

const SERVICE = "gcp:projects/service:Service";
const moduleOf = (type: string) => /^gcp:([a-z]+)\//.exec(type)?.[1] ?? "";

/** Everything `r` waits for, directly or through what it waits for. */
const closure = (byUrn: Map<string, PlannedResource>, r: PlannedResource): Set<string> => {
  const seen = new Set<string>();
  const stack = [...r.dependsOn];
  while (stack.length) {
    const u = stack.pop()!;
    if (seen.has(u)) continue;
    seen.add(u);
    stack.push(...(byUrn.get(u)?.dependsOn ?? []));
  }
  return seen;
};

describe("Google APIs (dev stack)", () => {
  it("enables each API with gcp.projects.Service, left enabled at destroy", () => {
    const services = ofType(run, SERVICE);
    expect(services.map((s) => (s.inputs as { service: string }).service).sort()).toEqual([...PROJECT_APIS].sort());
    expect(PROJECT_APIS).toContain("certificatemanager.googleapis.com");
    for (const s of services) expect(s.inputs, s.name).toMatchObject({ disableOnDestroy: false, disableDependentServices: false });
  });

  it("knows the API of every Google resource type the program creates, and each resource waits for its API", () => {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const serviceOf = new Map(ofType(run, SERVICE).map((s) => [(s.inputs as { service: string }).service, s.urn]));
    const google = run.resources.filter((r) => r.type.startsWith("gcp:") && r.type !== SERVICE);
    expect(google.length).toBeGreaterThan(30);
    const missing: string[] = [];
    for (const r of google) {
      const api = (API_OF_MODULE as Record<string, string>)[moduleOf(r.type)];
      if (!api) {
        missing.push(`${r.name} (${r.type}): no API recorded for module ${moduleOf(r.type)}`);
        continue;
      }
      if (!closure(byUrn, r).has(serviceOf.get(api)!)) missing.push(`${r.name} does not wait for ${api}`);
    }
    expect(missing).toEqual([]);
  });

  it("lists in the docs exactly the APIs the program enables (the list a reader enables by hand is the tested one)", () => {
    const doc = readFileSync(path.join(__dirname, "../../docs/network-and-reachability.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Google APIs"), doc.indexOf("\n## ", doc.indexOf("## Google APIs") + 1));
    const listed = [...new Set(section.match(/`[a-z]+\.googleapis\.com`/g)?.map((s) => s.slice(1, -1)))].filter((a) => a !== "serviceusage.googleapis.com");
    expect(listed.sort()).toEqual([...PROJECT_APIS].sort());
  });
});
