import { beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS } from "../../apps/shared/contract";
import type { CidrPlan } from "../../infra/network/cidr-plan";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { ROUTING_KEY } from "../../infra/platform-services/fluent-bit-config";
import { LOG_STREAMS, LOG_STREAM_PREFIX } from "../../infra/platform-services/logstash-pipeline";
import { named, ofType, runStack, unwrapSecrets } from "./stack-suite";

/**
 * Issue 22: what the program relies on without setting it, and what a component does with a
 * key we do set, each checked against the upstream source at the pinned version.
 */
let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});
const inputs = (r: PlannedResource) => unwrapSecrets(r.inputs) as Record<string, any>;

/** `[SECTION]` blocks of a Fluent Bit classic config: name and `Key value` lines in order. */
const sections = (conf: string) =>
  conf.split(/^\[/m).slice(1).map((block) => {
    const lines = block.split("\n").slice(1).map((l) => l.trim()).filter(Boolean).map((l) => [l.slice(0, l.indexOf(" ")).toLowerCase(), l.slice(l.indexOf(" ") + 1).trim()] as const);
    return { name: lines.find(([k]) => k === "name")?.[1], lines };
  });

/**
 * Fluent Bit's `modify` rules as fluent/fluent-bit@v4.1.0:plugins/filter_modify/modify.c applies
 * them: `Add` writes the key only when the record does not have it (apply_rule_ADD), `Set`
 * writes it either way (apply_rule_SET).
 */
const applyModify = (record: Record<string, unknown>, lines: readonly (readonly [string, string])[]) => {
  const out = { ...record };
  for (const [op, arg] of lines) {
    const [key, ...rest] = arg.split(/\s+/);
    if (op === "add" && !(key! in out)) out[key!] = rest.join(" ");
    if (op === "set") out[key!] = rest.join(" ");
  }
  return out;
};

describe("issue 22 item 4: KEDA's metrics server on a private control plane", () => {
  // kedacore/charts@v2.18.1:keda/values.yaml: `service.portHttpsTarget: 6443` (the metrics
  // server's container port); keda.sh "Operate → Cluster → Firewall": 6443 must be open from the
  // control plane on Google Cloud. Our keda.yaml leaves the default.
  const KEDA_METRICS_SERVER_TARGET_PORT = 6443;

  it("opens the metrics server's port from the management control plane, as the chart's default leaves it", () => {
    const values = inputs(named(run, "management-addons-keda")).values;
    expect(values.service?.portHttpsTarget ?? KEDA_METRICS_SERVER_TARGET_PORT).toBe(KEDA_METRICS_SERVER_TARGET_PORT);
    const rule = inputs(named(run, "management-fw-control-plane"));
    expect(rule.sourceRanges).toEqual([(run.outputs.cidrPlan as CidrPlan).management.controlPlane]);
    expect(rule.allows[0].ports).toContain(String(KEDA_METRICS_SERVER_TARGET_PORT));
  });
});

describe("issue 22 item 3: no container chooses the data stream its logs go to", () => {
  it("sets the routing key after the kubernetes filter merged the container's JSON, overwriting whatever the container wrote", () => {
    for (const cluster of CLUSTERS) {
      const filters = sections(inputs(named(run, `${cluster}-agents-fluent-bit`)).values.config.filters);
      const kube = filters.findIndex((s) => s.name === "kubernetes");
      const modify = filters.findIndex((s) => s.name === "modify");
      expect(kube).toBeGreaterThanOrEqual(0);
      expect(modify, cluster).toBeGreaterThan(kube);
      // A job that prints {"platform_cluster":"management"} (Merge_Log On puts it at the top level).
      const forged = { log: "x", [ROUTING_KEY]: "management", cluster: "management" };
      expect(applyModify(forged, filters[modify]!.lines)[ROUTING_KEY], cluster).toBe(cluster);
    }
  });

  it("names the index from a closed set: any routing value lands in one of the known streams", () => {
    const pipeline: string = inputs(named(run, "hub-services-eck-stack")).values["eck-logstash"].pipelines[0]["config.string"];
    const index = /index => "([^"]+)"/.exec(pipeline)![1]!;
    expect(index).toBe(`${LOG_STREAM_PREFIX}%{[@metadata][stream]}`);
    // The only writes of [@metadata][stream]: a replace with the routing key inside `if ... in [list]`, else a constant.
    const cond = new RegExp(`if \\[${ROUTING_KEY}\\] in \\[([^\\]]+)\\] \\{\\s*mutate \\{ replace => \\{ "\\[@metadata\\]\\[stream\\]" => "%\\{\\[${ROUTING_KEY}\\]\\}" \\} \\}\\s*\\} else \\{\\s*mutate \\{ replace => \\{ "\\[@metadata\\]\\[stream\\]" => "(\\w+)" \\} \\}`);
    const m = cond.exec(pipeline);
    expect(m, pipeline).not.toBeNull();
    const known = m![1]!.split(",").map((s) => JSON.parse(s.trim()) as string);
    // Logstash treats a one-element list as a substring test; ours names every cluster.
    expect(known.sort()).toEqual([...CLUSTERS].sort());
    expect(pipeline.match(/\[@metadata\]\[stream\]/g)).toHaveLength(3);
    const streamOf = (value: unknown) => `${LOG_STREAM_PREFIX}${typeof value === "string" && known.includes(value) ? value : m![2]}`;
    for (const v of [...CLUSTERS, "x", "management ", "../x", undefined, 1]) expect(LOG_STREAMS).toContain(streamOf(v));
    const template = JSON.parse(inputs(named(run, "hub-services-eck-logs-template")).data["logs-platform.json"]);
    expect(template.mappings ?? template.template.mappings).toMatchObject({ properties: { [ROUTING_KEY]: { type: "keyword" } } });
  });

  it("ships logs only to Logstash: no Fluent Bit output bypasses the closed set of streams", () => {
    for (const r of ofType(run, "kubernetes:helm.sh/v3:Release").filter((x) => x.name.endsWith("-fluent-bit"))) {
      expect(sections(inputs(r).values.config.outputs).map((s) => s.name)).toEqual(["http"]);
    }
  });
});

describe("issue 22 item 2: Logstash's http input takes only Fluent Bit's credentials", () => {
  // https://www.elastic.co/guide/en/logstash/current/plugins-inputs-http.html (`user`, `password`:
  // basic auth; unset, the input accepts any request); fluent/fluent-bit@v4.1.0:plugins/out_http/http.c
  // (`http_user`, `http_passwd`).
  const secrets = () => ofType(run, "kubernetes:core/v1:Secret").map(inputs).filter((s) => s.metadata.name === "logstash-http-auth");
  const envRef = (env: any[], name: string) => env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;

  it("requires basic auth on the input, with credentials from the environment, from a Secret the program creates", () => {
    const logstash = inputs(named(run, "hub-services-eck-stack")).values["eck-logstash"];
    const pipeline: string = logstash.pipelines[0]["config.string"];
    const input = pipeline.slice(pipeline.indexOf("input {"), pipeline.indexOf("\n}\n"));
    const user = /user => "\$\{(\w+)\}"/.exec(input)?.[1];
    const password = /password => "\$\{(\w+)\}"/.exec(input)?.[1];
    expect(user && password).toBeTruthy();
    const env = logstash.podTemplate.spec.containers.find((c: any) => c.name === "logstash").env;
    expect(envRef(env, user!)).toEqual({ name: "logstash-http-auth", key: "username" });
    expect(envRef(env, password!)).toEqual({ name: "logstash-http-auth", key: "password" });
    const hubSecret = secrets().find((s) => s.metadata.namespace === "elastic")!;
    expect(hubSecret.stringData.password).toBe("offline-secret-hub-services-logstash-http-password");
    // Never in a chart's values in plain text (Helm values are stored in the state and the release).
    expect(JSON.stringify(inputs(named(run, "hub-services-eck-stack")).values)).not.toContain("offline-secret-hub-services-logstash-http-password");
  });

  it("gives every cluster's Fluent Bit the same credentials, read from its own namespace's copy of the Secret", () => {
    for (const cluster of CLUSTERS) {
      const release = inputs(named(run, `${cluster}-agents-fluent-bit`));
      const out = sections(release.values.config.outputs)[0]!.lines;
      const user = /^\$\{(\w+)\}$/.exec(out.find(([k]) => k === "http_user")?.[1] ?? "")?.[1];
      const password = /^\$\{(\w+)\}$/.exec(out.find(([k]) => k === "http_passwd")?.[1] ?? "")?.[1];
      expect(user && password, cluster).toBeTruthy();
      expect(envRef(release.values.env, user!), cluster).toEqual({ name: "logstash-http-auth", key: "username" });
      expect(envRef(release.values.env, password!), cluster).toEqual({ name: "logstash-http-auth", key: "password" });
      expect(release.namespace).toBe("logging");
      const copy = inputs(named(run, `${cluster}-agents-logstash-auth`));
      expect(copy.metadata, cluster).toMatchObject({ name: "logstash-http-auth", namespace: "logging" });
      expect(copy.stringData.password, cluster).toBe("offline-secret-hub-services-logstash-http-password");
      expect(secrets().length).toBe(CLUSTERS.length + 1);
    }
  });
});

describe("suspected (issue 22): ExternalDNS leaves no dangling records after destroy", () => {
  it("runs with policy sync (upsert-only strips deletions: kubernetes-sigs/external-dns plan/policy.go), owner per stack, and the route is deleted before ExternalDNS", () => {
    const values = inputs(named(run, "management-addons-external-dns")).values;
    expect(values.policy).toBe("sync");
    expect(values.txtOwnerId).toMatch(/-dev-management$/);
    expect(named(run, "app-route").dependsOn).toContain(named(run, "management-addons-external-dns").urn);
  });
});
