import { describe, expect, it } from "vitest";
import type { ParsedDocument } from "../../apps/shared/manifests/parse-yaml";
import { admit } from "../../apps/shared/admission/admit";

/**
 * The Pod Security Standards control by control, as the latest release defines them
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/ and the checks in
 * kubernetes/pod-security-admission@v0.36.2 policy/check_*.go): for each control a value the
 * standard refuses and one it allows, including values newer releases allow, on every kind
 * that carries a pod template.
 */
const JOB = "0b6f1c2e-3f7a-4a8e-9c1d-2e3f4a5b6c7d";
type Pod = { meta: Record<string, any>; spec: Record<string, any> };
type Edit = (pod: Pod) => void;

const basePod = (): Pod => ({
  meta: { labels: { app: "x" } },
  spec: { securityContext: { runAsUser: 1000 }, restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
});
const c0 = (p: Pod) => p.spec.containers[0];
const sc0 = (p: Pod) => (c0(p).securityContext ??= {});

/** The same pod as each workload kind. */
const KINDS: Record<string, (p: Pod) => Record<string, unknown>> = {
  Pod: (p) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "w", ...p.meta }, spec: p.spec }),
  Deployment: (p) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "w" }, spec: { selector: { matchLabels: { app: "x" } }, template: { metadata: p.meta, spec: { ...p.spec, restartPolicy: "Always" } } } }),
  StatefulSet: (p) => ({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "w" }, spec: { serviceName: "w", selector: { matchLabels: { app: "x" } }, template: { metadata: p.meta, spec: { ...p.spec, restartPolicy: "Always" } } } }),
  ReplicaSet: (p) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "w" }, spec: { selector: { matchLabels: { app: "x" } }, template: { metadata: p.meta, spec: { ...p.spec, restartPolicy: "Always" } } } }),
  Job: (p) => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "w" }, spec: { template: { metadata: p.meta, spec: p.spec } } }),
  CronJob: (p) => ({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "w" }, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { metadata: p.meta, spec: p.spec } } } } }),
};

const run = (kind: string, edit: Edit) => {
  const pod = basePod();
  edit(pod);
  const doc: ParsedDocument = { file: "w.yaml", document: 1, line: 1, value: KINDS[kind]!(structuredClone(pod)) };
  return admit(JOB, [doc]);
};

interface Control {
  control: string;
  rule: string;
  refused: [string, Edit][];
  allowed: [string, Edit][];
}

const CONTROLS: Control[] = [
  // ---- baseline
  {
    control: "HostProcess",
    rule: "pod-security/host-process",
    refused: [
      ["pod hostProcess: true", (p) => (p.spec.securityContext.windowsOptions = { hostProcess: true })],
      ["container hostProcess: true", (p) => (sc0(p).windowsOptions = { hostProcess: true })],
    ],
    allowed: [["hostProcess: false", (p) => (p.spec.securityContext.windowsOptions = { hostProcess: false })]],
  },
  {
    control: "Host Namespaces",
    rule: "pod-security/host-namespaces",
    refused: [
      ["hostNetwork: true", (p) => (p.spec.hostNetwork = true)],
      ["hostPID: true", (p) => (p.spec.hostPID = true)],
      ["hostIPC: true", (p) => (p.spec.hostIPC = true)],
    ],
    allowed: [["all false", (p) => Object.assign(p.spec, { hostNetwork: false, hostPID: false, hostIPC: false })]],
  },
  {
    control: "Privileged Containers",
    rule: "pod-security/privileged",
    refused: [
      ["privileged: true", (p) => (sc0(p).privileged = true)],
      ["init container privileged", (p) => (p.spec.initContainers = [{ name: "i", image: "busybox", securityContext: { privileged: true } }])],
    ],
    allowed: [["privileged: false", (p) => (sc0(p).privileged = false)]],
  },
  {
    control: "Capabilities (baseline)",
    rule: "pod-security/capabilities",
    refused: [
      ["add SYS_ADMIN", (p) => (sc0(p).capabilities = { add: ["SYS_ADMIN"] })],
      ["add NET_RAW", (p) => (sc0(p).capabilities = { add: ["NET_RAW"] })],
    ],
    allowed: [["add NET_BIND_SERVICE", (p) => (sc0(p).capabilities = { add: ["NET_BIND_SERVICE"], drop: ["ALL"] })]],
  },
  {
    control: "HostPath Volumes",
    rule: "pod-security/host-path",
    refused: [["hostPath /", (p) => (p.spec.volumes = [{ name: "v", hostPath: { path: "/" } }])]],
    allowed: [["emptyDir", (p) => (p.spec.volumes = [{ name: "v", emptyDir: {} }])]],
  },
  {
    control: "Host Ports",
    rule: "pod-security/host-ports",
    refused: [["hostPort 80", (p) => (c0(p).ports = [{ containerPort: 80, hostPort: 80 }])]],
    allowed: [["hostPort 0", (p) => (c0(p).ports = [{ containerPort: 80, hostPort: 0 }])]],
  },
  {
    control: "AppArmor",
    rule: "pod-security/apparmor",
    refused: [
      ["annotation unconfined", (p) => (p.meta.annotations = { "container.apparmor.security.beta.kubernetes.io/c": "unconfined" })],
      ["pod field Unconfined", (p) => (p.spec.securityContext.appArmorProfile = { type: "Unconfined" })],
      ["container field Unconfined", (p) => (sc0(p).appArmorProfile = { type: "Unconfined" })],
    ],
    allowed: [
      ["annotation runtime/default", (p) => (p.meta.annotations = { "container.apparmor.security.beta.kubernetes.io/c": "runtime/default" })],
      ["annotation localhost/profile", (p) => (p.meta.annotations = { "container.apparmor.security.beta.kubernetes.io/c": "localhost/k8s-apparmor-example" })],
      ["field Localhost", (p) => (sc0(p).appArmorProfile = { type: "Localhost", localhostProfile: "k8s-apparmor-example" })],
      ["field RuntimeDefault", (p) => (p.spec.securityContext.appArmorProfile = { type: "RuntimeDefault" })],
    ],
  },
  {
    control: "SELinux",
    rule: "pod-security/selinux",
    refused: [
      ["type spc_t", (p) => (p.spec.securityContext.seLinuxOptions = { type: "spc_t" })],
      ["custom user", (p) => (sc0(p).seLinuxOptions = { user: "system_u" })],
      ["custom role", (p) => (sc0(p).seLinuxOptions = { role: "system_r" })],
    ],
    allowed: [
      ["type container_t", (p) => (p.spec.securityContext.seLinuxOptions = { type: "container_t" })],
      ["type container_engine_t (1.31+)", (p) => (sc0(p).seLinuxOptions = { type: "container_engine_t", level: "s0:c123,c456" })],
      ["empty user and role", (p) => (sc0(p).seLinuxOptions = { user: "", role: "" })],
    ],
  },
  {
    control: "/proc Mount Type",
    rule: "pod-security/proc-mount",
    refused: [
      ["Unmasked", (p) => (sc0(p).procMount = "Unmasked")],
      // Baseline allows Unmasked in a user namespace since 1.35; restricted does not.
      ["Unmasked with hostUsers: false", (p) => ((p.spec.hostUsers = false), (sc0(p).procMount = "Unmasked"))],
    ],
    allowed: [["Default", (p) => (sc0(p).procMount = "Default")]],
  },
  {
    control: "Seccomp (baseline)",
    rule: "pod-security/seccomp",
    refused: [
      ["pod Unconfined", (p) => (p.spec.securityContext.seccompProfile = { type: "Unconfined" })],
      ["container Unconfined", (p) => (sc0(p).seccompProfile = { type: "Unconfined" })],
    ],
    allowed: [
      ["RuntimeDefault", (p) => (p.spec.securityContext.seccompProfile = { type: "RuntimeDefault" })],
      ["Localhost", (p) => (sc0(p).seccompProfile = { type: "Localhost", localhostProfile: "profiles/audit.json" })],
    ],
  },
  {
    control: "Sysctls",
    rule: "pod-security/sysctls",
    refused: [["kernel.msgmax", (p) => (p.spec.securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }])]],
    allowed: [
      ["net.ipv4.ip_local_port_range", (p) => (p.spec.securityContext.sysctls = [{ name: "net.ipv4.ip_local_port_range", value: "1024 65535" }])],
      ["net.ipv4.tcp_rmem (1.32+)", (p) => (p.spec.securityContext.sysctls = [{ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }])],
    ],
  },
  {
    control: "Host Probes / Lifecycle Hooks (1.34+)",
    rule: "pod-security/host-probes",
    refused: [
      ["liveness httpGet.host", (p) => (c0(p).livenessProbe = { httpGet: { host: "169.254.169.254", port: 80, path: "/" } })],
      ["readiness tcpSocket.host", (p) => (c0(p).readinessProbe = { tcpSocket: { host: "10.0.0.1", port: 22 } })],
      ["preStop httpGet.host", (p) => (c0(p).lifecycle = { preStop: { httpGet: { host: "example.com", port: 80 } } })],
    ],
    allowed: [
      ["probe without host", (p) => (c0(p).livenessProbe = { httpGet: { port: 8080, path: "/healthz" } })],
      ["probe with empty host", (p) => (c0(p).startupProbe = { tcpSocket: { host: "", port: 8080 } })],
    ],
  },
  // ---- restricted
  {
    control: "Volume Types",
    rule: "pod-security/volume-type",
    refused: [
      ["nfs", (p) => (p.spec.volumes = [{ name: "v", nfs: { server: "10.0.0.2", path: "/" } }])],
      ["gitRepo", (p) => (p.spec.volumes = [{ name: "v", gitRepo: { repository: "https://example.com/r.git" } }])],
    ],
    allowed: [
      ["configMap, secret, projected, downwardAPI", (p) => (p.spec.volumes = [{ name: "a", configMap: { name: "c" } }, { name: "b", secret: { secretName: "s" } }, { name: "d", projected: { sources: [] } }, { name: "e", downwardAPI: { items: [] } }])],
      ["ephemeral claim", (p) => (p.spec.volumes = [{ name: "v", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } } } }])],
      ["image volume (newer releases)", (p) => (p.spec.volumes = [{ name: "v", image: { reference: "quay.io/crio/artifact:v2", pullPolicy: "IfNotPresent" } }])],
    ],
  },
  {
    control: "Privilege Escalation",
    rule: "pod-security/privilege-escalation",
    refused: [["allowPrivilegeEscalation: true", (p) => (sc0(p).allowPrivilegeEscalation = true)]],
    allowed: [["allowPrivilegeEscalation: false", (p) => (sc0(p).allowPrivilegeEscalation = false)]],
  },
  {
    control: "Running as Non-root",
    rule: "pod-security/run-as-non-root",
    refused: [
      ["pod runAsNonRoot: false", (p) => (p.spec.securityContext.runAsNonRoot = false)],
      ["container runAsNonRoot: false", (p) => (sc0(p).runAsNonRoot = false)],
    ],
    allowed: [
      ["runAsNonRoot: true", (p) => (p.spec.securityContext.runAsNonRoot = true)],
      // 1.35: any value in a user namespace, where root is not the node's root.
      ["runAsNonRoot: false with hostUsers: false (1.35+)", (p) => ((p.spec.hostUsers = false), (p.spec.securityContext.runAsNonRoot = false))],
    ],
  },
  {
    control: "Running as Non-root user",
    rule: "pod-security/run-as-non-root",
    refused: [
      ["pod runAsUser: 0", (p) => (p.spec.securityContext.runAsUser = 0)],
      ["container runAsUser: 0", (p) => (sc0(p).runAsUser = 0)],
    ],
    allowed: [
      ["runAsUser: 1000", (p) => (sc0(p).runAsUser = 1000)],
      ["runAsUser: 0 with hostUsers: false (1.35+)", (p) => ((p.spec.hostUsers = false), (p.spec.securityContext.runAsUser = 0))],
    ],
  },
  {
    control: "Capabilities (restricted)",
    rule: "pod-security/capabilities-restricted",
    refused: [["add CHOWN (baseline allows it)", (p) => (sc0(p).capabilities = { add: ["CHOWN"] })]],
    allowed: [["drop ALL, add NET_BIND_SERVICE", (p) => (sc0(p).capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE"] })]],
  },
  // ---- the platform's
  {
    control: "Linux nodes only",
    rule: "pod-security/windows",
    refused: [
      ["os.name: windows", (p) => (p.spec.os = { name: "windows" })],
      ["windowsOptions.runAsUserName", (p) => (sc0(p).windowsOptions = { runAsUserName: "ContainerUser" })],
    ],
    allowed: [["os.name: linux", (p) => (p.spec.os = { name: "linux" })]],
  },
];

describe.each(Object.keys(KINDS))("Pod Security Standards on a %s's pods", (kind) => {
  describe.each(CONTROLS)("$control", ({ rule, refused, allowed }) => {
    it.each(refused)(`When %s, then it is refused (${rule})`, (_name, edit) => {
      const v = run(kind, edit);
      expect(v.ok).toBe(false);
      if (v.ok) return;
      expect(v.problems.map((p) => p.rule)).toContain(rule);
      expect(v.problems.find((p) => p.rule === rule)!.message.length).toBeGreaterThan(10);
    });
    it.each(allowed)("When %s, then it is admitted", (_name, edit) => {
      const v = run(kind, edit);
      expect(v.ok ? [] : v.problems).toEqual([]);
    });
  });
});

describe("Pod Security Standards: what admission fills in when the manifest is silent", () => {
  it("When nothing is set, then the restricted values are filled in and each is a warning", () => {
    const v = run("Deployment", () => undefined);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const spec = (v.manifests[0] as any).spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(spec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(v.warnings.map((w) => w.path)).toEqual(
      expect.arrayContaining([
        "spec.template.spec.securityContext.runAsNonRoot",
        "spec.template.spec.securityContext.seccompProfile",
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        "spec.template.spec.containers[0].securityContext.capabilities.drop",
      ]),
    );
  });

  it("When every container sets its own seccomp profile and runAsNonRoot, then the pod level is left alone", () => {
    const v = run("Pod", (p) => {
      Object.assign(sc0(p), { seccompProfile: { type: "RuntimeDefault" }, runAsNonRoot: true });
    });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect((v.manifests[0] as any).spec.securityContext).toEqual({ runAsUser: 1000 });
  });

  it("When a pod runs in a user namespace (hostUsers: false), then runAsNonRoot is not forced", () => {
    const v = run("Pod", (p) => (p.spec.hostUsers = false));
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect((v.manifests[0] as any).spec.securityContext.runAsNonRoot).toBeUndefined();
  });

  it("When ephemeral containers are in a manifest, then they are refused (kubectl debug adds them)", () => {
    const v = run("Pod", (p) => (p.spec.ephemeralContainers = [{ name: "dbg", image: "busybox" }]));
    expect(!v.ok && v.problems.map((p) => p.rule)).toContain("pod-security/ephemeral-containers");
  });
});
