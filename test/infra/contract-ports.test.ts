import { afterEach, describe, expect, it, vi } from "vitest";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";

/**
 * Ports cross components: the firewall opens them, Services and chart values listen on them,
 * probes and URLs use them. They are defined once (apps/shared/contract/platform.ts); this
 * runs the real program with every movable port changed and checks each consumer moved.
 */
const MOVED = { amqp: 5673, logstashHttp: 8081, prometheus: 9095, remoteWrite: 9096, app: 8088, appService: 81 };

const runWith = async (ports: Record<string, number>): Promise<OfflineRun> => {
  vi.resetModules();
  vi.doMock("../../apps/shared/contract/platform", async (importOriginal) => {
    const real = await importOriginal<typeof import("../../apps/shared/contract/platform")>();
    return { ...real, PORTS: { ...real.PORTS, ...ports } };
  });
  const { runStack } = await import("./stack-suite");
  return runStack("dev");
};

afterEach(() => {
  vi.doUnmock("../../apps/shared/contract/platform");
});

describe("one source for the ports that cross components", () => {
  it("When the contract's ports change, then firewall rules, Services, chart values, probes, URLs and the app's env all follow", async () => {
    const run = await runWith(MOVED);
    const { unwrapSecrets, named } = await import("./stack-suite");
    const inputs = (r: PlannedResource) => unwrapSecrets(r.inputs) as Record<string, any>;
    const text = (name: string) => JSON.stringify(inputs(named(run, name)));

    // Firewall: the hub opens the moved ports to its peers, and no longer the old ones.
    const port = (svc: string): string[] => inputs(named(run, `resources-fw-to-${svc}`)).allows[0].ports;
    expect([port("rabbitmq"), port("logstash"), port("prometheus")]).toEqual([["5673"], ["8081"], ["9096"]]);
    // RabbitMQ listens there and its Service offers it; the app's AMQP URL uses it.
    expect(text("rabbitmq-cluster")).toContain("listeners.tcp.default = 5673");
    expect(inputs(named(run, "rabbitmq-cluster")).spec.override.service.spec.ports[0]).toMatchObject({ port: 5673, targetPort: 5673 });
    expect(inputs(named(run, "app-secret")).stringData.AMQP_URL).toMatch(/:5673$/);
    // Logstash's input, its Service, and every Fluent Bit output.
    const eck = inputs(named(run, "hub-services-eck-stack")).values["eck-logstash"];
    expect(eck.pipelines[0]["config.string"]).toMatch(/port => 8081/);
    expect(eck.services[0].service.spec.ports[0]).toMatchObject({ port: 8081, targetPort: 8081 });
    for (const v of ["management", "resources", "deployments"]) expect(inputs(named(run, `${v}-agents-fluent-bit`)).values.config.outputs).toMatch(/Port 8081\n/);
    // Prometheus' Service; the remote-write gateway listens on its own port and forwards to Prometheus'; the agents' URL.
    expect(inputs(named(run, "hub-services-kube-prometheus-stack")).values.prometheus.service.port).toBe(9095);
    const gateway = inputs(named(run, "hub-services-remote-write-deployment")).spec.template.spec.containers[0];
    expect(gateway.args).toEqual(expect.arrayContaining(["--listen=0.0.0.0:9096", "--target=prometheus-operated.monitoring.svc:9095"]));
    expect(inputs(named(run, "hub-services-remote-write-service")).spec.ports[0]).toMatchObject({ port: 9096, targetPort: "remote-write" });
    expect(gateway.ports[0]).toEqual({ name: "remote-write", containerPort: 9096 });
    for (const v of ["management", "deployments"]) expect(inputs(named(run, `${v}-agents-prometheus-agent`)).values.prometheus.prometheusSpec.remoteWrite[0].url).toMatch(/^https:\/\/.+:9096\/api\/v1\/write$/);
    // The app: container port, PORT env, Service port, Gateway backend port.
    const pod = inputs(named(run, "app-entrypoint-deployment")).spec.template.spec;
    expect(pod.containers[0].ports).toEqual([{ name: "http", containerPort: 8088 }]);
    expect(pod.containers[0].env).toContainEqual({ name: "PORT", value: "8088" });
    expect(pod.containers[0].readinessProbe.httpGet.port).toBe("http");
    expect(inputs(named(run, "app-entrypoint-service")).spec.ports[0]).toMatchObject({ port: 81, targetPort: "http" });
    expect(inputs(named(run, "app-entrypoint-netpol")).spec.ingress[0].ports[0].port).toBe(8088);
    expect(inputs(named(run, "app-route")).spec.rules[0].backendRefs[0].port).toBe(81);
  }, 120_000);

  it("When the contract names a Redis or Elasticsearch port their operators cannot serve, then the program refuses instead of opening the wrong port", async () => {
    await expect(runWith({ redis: 6380 })).rejects.toThrow(/Redis port \(6380\) must be 6379/);
    await expect(runWith({ elasticsearch: 9201 })).rejects.toThrow(/Elasticsearch port \(9201\) must be 9200/);
  }, 120_000);
});
