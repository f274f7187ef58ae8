import { beforeAll, describe, expect, it } from "vitest";
import { HUB_ENDPOINTS, PATHS, PORTS } from "../../apps/shared/contract";
import type { OfflineRun, PlannedResource } from "../../infra/plan/offline-run";
import { fluentBitSections } from "../support/fluent-bit-config";
import { isSecret, named, ofType, runStack, unwrapSecrets } from "./stack-suite";

/**
 * Issue 22, item 2: the hub endpoints other clusters write to (Logstash's http input, Prometheus'
 * remote write) took anything that reached them. Each now requires a client certificate of its
 * own authority, created by the program; these tests read the whole chain from the program's
 * graph: which authority signed what, which Secret carries it, where it is mounted, and what the
 * server and the client are configured to demand and present.
 */
let run: OfflineRun;
beforeAll(async () => {
  run = await runStack("dev");
});

const inputs = (r: PlannedResource) => unwrapSecrets(r.inputs) as Record<string, any>;
const onCluster = (r: PlannedResource, cluster: string) => r.provider.includes(`::${cluster}-k8s::`);
/** The offline runner's stand-in for the PEM a tls resource would compute: `offline-cert-<resource name>`. */
const certOf = (name: string) => inputs(named(run, name)) && `offline-cert-${name}`;
const secretsNamed = (secretName: string) => ofType(run, "kubernetes:core/v1:Secret").filter((s) => inputs(s).metadata?.name === secretName);
const secretData = (r: PlannedResource) => inputs(r).stringData as Record<string, string>;
const pipeline = () => inputs(named(run, "hub-services-eck-stack")).values["eck-logstash"].pipelines[0]["config.string"] as string;
const httpInput = () => /input \{\s*http \{([\s\S]*?)\n {2}\}/.exec(pipeline())![1]!;
const option = (block: string, key: string) => new RegExp(`^\\s*${key} => (.+)$`, "m").exec(block)?.[1];

describe("Logstash's http input: Fluent Bit only, with a certificate of the logs authority", () => {
  it("When a client connects without a certificate of the logs authority, then Logstash refuses it: TLS on, client authentication required, only that authority trusted", () => {
    const input = httpInput();
    expect(option(input, "ssl_enabled")).toBe("true");
    expect(option(input, "ssl_client_authentication")).toBe('"required"');
    const dir = /"(.+)\/ca\.crt"/.exec(option(input, "ssl_certificate_authorities")!)![1];
    // Each file the input names is mounted from the Secret that holds the logs authority.
    const pod = inputs(named(run, "hub-services-eck-stack")).values["eck-logstash"].podTemplate.spec;
    const mount = pod.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === dir);
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    const [secret] = secretsNamed(volume.secret.secretName).filter((s) => onCluster(s, "resources"));
    expect(secretData(secret!)["ca.crt"]).toBe(certOf("hub-services-logs-tls-ca"));
    expect(secretData(secret!)["tls.crt"]).toBe(certOf("hub-services-logs-tls-server-cert"));
    expect(option(input, "ssl_certificate")).toBe(`"${dir}/tls.crt"`);
    expect(option(input, "ssl_key")).toBe(`"${dir}/tls.key"`);
    // logstash-plugins/logstash-input-http@v4.1.3:lib/logstash/inputs/http.rb reads ssl_key as PKCS#8 only.
    expect(secretData(secret!)["tls.key"]).toMatch(/^offline-secret-hub-services-logs-tls-server-key-pkcs8$/);
    // Basic auth stays as a second factor.
    expect(option(input, "user")).toBeDefined();
  });

  it("names the address Fluent Bit dials in Logstash's server certificate, issued by the logs authority", () => {
    const request = inputs(named(run, "hub-services-logs-tls-server-request"));
    for (const cluster of ["management", "resources", "deployments"]) {
      const [output] = fluentBitSections(inputs(named(run, `${cluster}-agents-fluent-bit`)).values.config.outputs).filter((s) => s.section === "OUTPUT");
      expect(request.ipAddresses).toEqual([output!.entries.host]);
    }
    expect(inputs(named(run, "hub-services-logs-tls-server-cert")).caCertPem).toBe(certOf("hub-services-logs-tls-ca"));
    expect(inputs(named(run, "hub-services-logs-tls-server-cert")).allowedUses).toContain("server_auth");
    expect(inputs(named(run, "hub-services-logs-tls-client-cert")).allowedUses).toContain("client_auth");
    expect(inputs(named(run, "hub-services-logs-tls-client-cert")).caCertPem).toBe(certOf("hub-services-logs-tls-ca"));
  });

  it.each(["management", "resources", "deployments"])("When Fluent Bit on %s ships logs, then it presents the logs client certificate over verified TLS", (cluster) => {
    const values = inputs(named(run, `${cluster}-agents-fluent-bit`)).values;
    const [output] = fluentBitSections(values.config.outputs).filter((s) => s.section === "OUTPUT");
    expect(output!.entries).toMatchObject({ name: "http", port: String(PORTS.logstashHttp), tls: "On", "tls.verify": "On" });
    const mount = values.extraVolumeMounts.find((m: { mountPath: string }) => output!.entries["tls.crt_file"]!.startsWith(`${m.mountPath}/`));
    const volume = values.extraVolumes.find((v: { name: string }) => v.name === mount.name);
    const secret = secretsNamed(volume.secret.secretName).find((s) => onCluster(s, cluster))!;
    expect(inputs(secret).metadata.namespace).toBe(inputs(named(run, `${cluster}-agents-fluent-bit`)).namespace);
    expect(secretData(secret)).toEqual({ "tls.crt": certOf("hub-services-logs-tls-client-cert"), "tls.key": "offline-secret-hub-services-logs-tls-client-key-pkcs8", "ca.crt": certOf("hub-services-logs-tls-ca") });
    expect(isSecret(secret.inputs) || isSecret((secret.inputs as any).stringData) || isSecret((secret.inputs as any).stringData["tls.key"])).toBe(true);
    // A renewed certificate rolls the DaemonSet (Fluent Bit reads it at start).
    expect(values.podAnnotations["platform/client-cert"]).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("Prometheus remote write: agents only, through a mutual-TLS gateway", () => {
  it("When anything but an agent's certificate reaches the hub's remote-write address, then ghostunnel refuses it: the gateway requires the metrics authority and the agents' name", () => {
    const deploy = inputs(named(run, "hub-services-remote-write-deployment"));
    const [container] = deploy.spec.template.spec.containers;
    const flag = (name: string) => (container.args as string[]).find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
    expect(container.args[0]).toBe("server");
    expect(flag("listen")).toBe(`0.0.0.0:${PORTS.remoteWrite}`);
    expect(flag("target")).toBe(`prometheus-operated.monitoring.svc:${PORTS.prometheus}`);
    // ghostunnel/ghostunnel@v1.11.1:main.go: without an --allow-* flag it refuses to start; --allow-all would let any certificate of the authority in.
    expect(container.args).not.toContain("--allow-all");
    expect(container.args).not.toContain("--disable-authentication");
    expect(flag("allow-cn")).toBe(inputs(named(run, "hub-services-metrics-tls-client-request")).subject.commonName);
    const dir = flag("cacert")!.replace(/\/ca\.crt$/, "");
    const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === dir);
    const volume = deploy.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    const secret = secretsNamed(volume.secret.secretName).find((s) => onCluster(s, "resources"))!;
    expect(secretData(secret)["ca.crt"]).toBe(certOf("hub-services-metrics-tls-ca"));
    expect(secretData(secret)["tls.crt"]).toBe(certOf("hub-services-metrics-tls-server-cert"));
    // Probes hit the plain-HTTP status port, never the mutual-TLS one (prometheus-operator issue 5419 is why Prometheus itself is not the TLS server).
    expect(container.readinessProbe.httpGet.port).not.toBe(PORTS.remoteWrite);
    expect(flag("status")).toBe(`http://0.0.0.0:${container.readinessProbe.httpGet.port}`);
  });

  it("puts only the gateway on the hub's remote-write address, open to the agents' ranges, and keeps Prometheus itself ClusterIP", () => {
    const svc = inputs(named(run, "hub-services-remote-write-service"));
    expect(svc.spec.type).toBe("LoadBalancer");
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port: HUB_ENDPOINTS.prometheus.port })]);
    expect(HUB_ENDPOINTS.prometheus.port).toBe(PORTS.remoteWrite);
    expect(svc.spec.loadBalancerSourceRanges.length).toBe(HUB_ENDPOINTS.prometheus.clients.length);
    const address = ofType(run, "gcp:compute/address:Address").find((a) => inputs(a).description === "internal load balancer of prometheus")!;
    expect(svc.metadata.annotations["networking.gke.io/load-balancer-ip-addresses"]).toBe(address.name);
    const kps = inputs(named(run, "hub-services-kube-prometheus-stack")).values.prometheus;
    expect(kps.service.type).toBeUndefined();
    expect(kps.service.loadBalancerSourceRanges).toBeUndefined();
    // The certificate names the address the agents dial (Go verifies the IP SAN).
    const request = inputs(named(run, "hub-services-metrics-tls-server-request"));
    for (const cluster of ["management", "deployments"]) {
      const [rw] = inputs(named(run, `${cluster}-agents-prometheus-agent`)).values.prometheus.prometheusSpec.remoteWrite;
      expect(request.ipAddresses).toEqual([new URL(rw.url).hostname]);
    }
  });

  it.each(["management", "deployments"])("When the agent on %s remote-writes, then it dials the gateway over https with the metrics client certificate from its own namespace", (cluster) => {
    const release = inputs(named(run, `${cluster}-agents-prometheus-agent`));
    const [rw] = release.values.prometheus.prometheusSpec.remoteWrite;
    expect(rw.url).toMatch(new RegExp(`^https://[^/]+:${PORTS.remoteWrite}${PATHS.remoteWrite}$`));
    const secretName = rw.tlsConfig.cert.secret.name;
    expect([rw.tlsConfig.ca.secret.name, rw.tlsConfig.keySecret.name]).toEqual([secretName, secretName]);
    const secret = secretsNamed(secretName).find((s) => onCluster(s, cluster))!;
    // prometheus-operator reads tlsConfig Secrets from the Prometheus object's own namespace (pkg/prometheus/store.go).
    expect(inputs(secret).metadata.namespace).toBe(release.namespace);
    const data = secretData(secret);
    expect(data[rw.tlsConfig.cert.secret.key]).toBe(certOf("hub-services-metrics-tls-client-cert"));
    expect(data[rw.tlsConfig.keySecret.key]).toBe("offline-secret-hub-services-metrics-tls-client-key-pkcs8");
    expect(data[rw.tlsConfig.ca.secret.key]).toBe(certOf("hub-services-metrics-tls-ca"));
    expect(rw.tlsConfig.insecureSkipVerify).toBeUndefined();
  });

  it("keeps the two authorities apart: a Fluent Bit certificate is worthless at the remote-write gateway and the other way round", () => {
    const ca = (prefix: string) => inputs(named(run, `${prefix}-client-cert`)).caCertPem;
    expect(ca("hub-services-logs-tls")).not.toBe(ca("hub-services-metrics-tls"));
    expect(inputs(named(run, "hub-services-logs-tls-client-cert")).caPrivateKeyPem).not.toBe(inputs(named(run, "hub-services-metrics-tls-client-cert")).caPrivateKeyPem);
  });
});
