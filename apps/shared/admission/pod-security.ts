import { imageAllowedBy, parseImageRef, parseRegistryEntry } from "./image-ref";
import { ensureObj, isObj, listAt, objAt, under, type Obj, type Report } from "./finding";

/**
 * The Kubernetes Pod Security Standards, "baseline" and "restricted", as the latest release
 * defines them (https://kubernetes.io/docs/concepts/security/pod-security-standards/, and the
 * checks themselves: kubernetes/pod-security-admission@v0.36.2 policy/check_*.go, the code
 * behind Kubernetes 1.36). Checked on every pod template before anything reaches the cluster:
 * the namespace's PSA `enforce` would only refuse the pods later, after the Deployment or Job
 * was accepted. Each control is one function below, named after the upstream check.
 *
 * Where a safe value exists and the manifest says nothing, it is filled in and reported as a
 * change (the job's warnings); where the manifest asks for something unsafe, it is refused.
 */

/** Volume sources "restricted" allows (check_restrictedVolumes.go; `image` since 1.31). */
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]);
/** Sysctls "baseline" allows (check_sysctls.go, the 1.32 set). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
]);
/** SELinux types "baseline" allows (check_seLinuxOptions.go, the 1.31 set). */
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
/** Capabilities "baseline" allows adding (check_capabilities_baseline.go). */
const BASELINE_CAPABILITIES = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
const CONTAINER_LISTS = ["initContainers", "containers"] as const;

export interface PodPolicy {
  /** Image prefixes allowed; empty allows any registry. */
  allowedRegistries: string[];
}

interface Pod {
  spec: Obj;
  /** The pod's (template's) metadata, where AppArmor annotations live. */
  meta: Obj | undefined;
  /** Each container with its path under the pod spec. */
  containers: { c: Obj; at: string }[];
  /** `hostUsers: false`: the pod runs in a user namespace, where root is not the node's root. */
  userNamespace: boolean;
}
type Control = (pod: Pod, r: Report) => void;

// ---- baseline --------------------------------------------------------------------------

/** check_windowsHostProcess.go */
const windowsHostProcess: Control = ({ spec, containers }, r) => {
  if (objAt(objAt(spec, "securityContext") ?? {}, "windowsOptions")?.hostProcess === true) {
    r.bad("securityContext.windowsOptions.hostProcess", "pod-security/host-process", "hostProcess pods get privileged access to the node; remove it");
  }
  for (const { c, at } of containers) {
    if (objAt(objAt(c, "securityContext") ?? {}, "windowsOptions")?.hostProcess === true) {
      r.bad(`${at}.securityContext.windowsOptions.hostProcess`, "pod-security/host-process", "hostProcess containers get privileged access to the node; remove it");
    }
  }
};

/** check_hostNamespaces.go */
const hostNamespaces: Control = ({ spec }, r) => {
  for (const host of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[host] === true) r.bad(host, "pod-security/host-namespaces", `${host} shares the node's namespaces; remove it`);
  }
};

/** check_privileged.go */
const privileged: Control = ({ containers }, r) => {
  for (const { c, at } of containers) {
    if (objAt(c, "securityContext")?.privileged === true) r.bad(`${at}.securityContext.privileged`, "pod-security/privileged", "privileged containers are not allowed");
  }
};

/** check_capabilities_baseline.go and check_capabilities_restricted.go (add: NET_BIND_SERVICE only; drop: ALL). */
const capabilities: Control = ({ containers }, r) => {
  for (const { c, at } of containers) {
    const caps = ensureObj(ensureObj(c, "securityContext"), "capabilities");
    const scAt = `${at}.securityContext.capabilities`;
    listAt(caps, "add").forEach((cap, j) => {
      if (cap === "NET_BIND_SERVICE") return;
      if (!BASELINE_CAPABILITIES.has(String(cap))) r.bad(`${scAt}.add[${j}]`, "pod-security/capabilities", `capability ${String(cap)} may not be added (baseline: only the container runtime's default set; restricted: only NET_BIND_SERVICE)`);
      else r.bad(`${scAt}.add[${j}]`, "pod-security/capabilities-restricted", `capability ${String(cap)} may not be added under the restricted profile (only NET_BIND_SERVICE)`);
    });
    const drop = listAt(caps, "drop");
    if (!drop.includes("ALL")) {
      caps.drop = [...drop, "ALL"];
      r.changed(`${scAt}.drop`, "ALL was added to capabilities.drop (restricted profile); add back only NET_BIND_SERVICE if the program binds a port below 1024");
    }
  }
};

/** check_hostPathVolumes.go and check_restrictedVolumes.go; every source key is looked at. */
const volumes: Control = ({ spec }, r) => {
  listAt(spec, "volumes").forEach((v, i) => {
    if (!isObj(v)) return;
    const sources = Object.keys(v).filter((k) => k !== "name");
    if (sources.length > 1) r.bad(`volumes[${i}]`, "pod-security/volume-sources", `a volume has exactly one source; this one names ${sources.join(" and ")}`);
    for (const type of sources) {
      if (type === "hostPath") r.bad(`volumes[${i}].hostPath`, "pod-security/host-path", "hostPath volumes expose the node's filesystem; use emptyDir or a PersistentVolumeClaim");
      else if (!RESTRICTED_VOLUMES.has(type)) r.bad(`volumes[${i}].${type}`, "pod-security/volume-type", `${type} volumes are not allowed; use ${[...RESTRICTED_VOLUMES].join(", ")}`);
    }
  });
};

/** check_hostPorts.go */
const hostPorts: Control = ({ containers }, r) => {
  for (const { c, at } of containers) {
    listAt(c, "ports").forEach((p, j) => {
      if (isObj(p) && p.hostPort !== undefined && p.hostPort !== 0) r.bad(`${at}.ports[${j}].hostPort`, "pod-security/host-ports", "hostPort binds the node's port; remove it and use a Service");
    });
  }
};

/** check_appArmorProfile.go: the fields and the deprecated annotations. */
const appArmor: Control = ({ spec, meta, containers }, r) => {
  const field = (sc: Obj | undefined, at: string) => {
    const type = objAt(sc ?? {}, "appArmorProfile")?.type;
    if (type !== undefined && type !== "RuntimeDefault" && type !== "Localhost") r.bad(`${at}.appArmorProfile.type`, "pod-security/apparmor", `AppArmor profile ${String(type)} is not allowed; use RuntimeDefault or Localhost`);
  };
  field(objAt(spec, "securityContext"), "securityContext");
  for (const { c, at } of containers) field(objAt(c, "securityContext"), `${at}.securityContext`);
  for (const [key, value] of Object.entries(objAt(meta ?? {}, "annotations") ?? {})) {
    if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
    const v = String(value);
    if (v !== "" && v !== "runtime/default" && !v.startsWith("localhost/")) {
      r.bad(`(metadata).annotations.${key}`, "pod-security/apparmor", `AppArmor annotation value ${v} is not allowed; use runtime/default or localhost/<profile>`);
    }
  }
};

/** check_seLinuxOptions.go */
const seLinux: Control = ({ spec, containers }, r) => {
  const check = (sc: Obj | undefined, at: string) => {
    const se = objAt(sc ?? {}, "seLinuxOptions");
    if (!se) return;
    if (!SELINUX_TYPES.has(String(se.type ?? ""))) r.bad(`${at}.seLinuxOptions.type`, "pod-security/selinux", `SELinux type ${String(se.type)} is not allowed; use ${[...SELINUX_TYPES].filter(Boolean).join(", ")}`);
    for (const k of ["user", "role"] as const) {
      if (se[k] !== undefined && se[k] !== "") r.bad(`${at}.seLinuxOptions.${k}`, "pod-security/selinux", `SELinux ${k} may not be set`);
    }
  };
  check(objAt(spec, "securityContext"), "securityContext");
  for (const { c, at } of containers) check(objAt(c, "securityContext"), `${at}.securityContext`);
};

/** check_procMount_baseline.go and check_procMount_restricted.go (restricted: Default even in a user namespace, 1.35). */
const procMount: Control = ({ containers }, r) => {
  for (const { c, at } of containers) {
    const pm = objAt(c, "securityContext")?.procMount;
    if (pm !== undefined && pm !== "Default") r.bad(`${at}.securityContext.procMount`, "pod-security/proc-mount", `procMount ${String(pm)} unmasks /proc; use Default`);
  }
};

/** check_seccompProfile_baseline.go and check_seccompProfile_restricted.go: never Unconfined, and set. */
const seccomp: Control = ({ spec, containers }, r) => {
  const bad = (sc: Obj | undefined, at: string) => {
    const type = objAt(sc ?? {}, "seccompProfile")?.type;
    if (type !== undefined && type !== "RuntimeDefault" && type !== "Localhost") r.bad(`${at}.seccompProfile.type`, "pod-security/seccomp", `seccomp profile ${String(type)} is not allowed; use RuntimeDefault or Localhost`);
    return type !== undefined;
  };
  const podSc = ensureObj(spec, "securityContext");
  const podSet = bad(podSc, "securityContext");
  const allSet = containers.map(({ c, at }) => bad(objAt(c, "securityContext"), `${at}.securityContext`)).every(Boolean);
  if (!podSet && !allSet) {
    podSc.seccompProfile = { type: "RuntimeDefault" };
    r.changed("securityContext.seccompProfile", "seccompProfile RuntimeDefault was set (restricted profile): the container runtime's default syscall filter");
  }
};

/** check_sysctls.go */
const sysctls: Control = ({ spec }, r) => {
  listAt(objAt(spec, "securityContext") ?? {}, "sysctls").forEach((s, i) => {
    const name = isObj(s) ? String(s.name) : "";
    if (!SAFE_SYSCTLS.has(name)) r.bad(`securityContext.sysctls[${i}]`, "pod-security/sysctls", `sysctl ${name} is not in the safe set (${[...SAFE_SYSCTLS].join(", ")})`);
  });
};

/** check_hostProbesAndhostLifecycle.go (1.34): probes and hooks may not aim at another host. */
const hostProbes: Control = ({ containers }, r) => {
  for (const { c, at } of containers) {
    const handlers: [string, unknown][] = [
      ["livenessProbe", c.livenessProbe],
      ["readinessProbe", c.readinessProbe],
      ["startupProbe", c.startupProbe],
      ["lifecycle.postStart", objAt(c, "lifecycle")?.postStart],
      ["lifecycle.preStop", objAt(c, "lifecycle")?.preStop],
    ];
    for (const [name, h] of handlers) {
      if (!isObj(h)) continue;
      for (const kind of ["httpGet", "tcpSocket"] as const) {
        const host = objAt(h, kind)?.host;
        if (host !== undefined && host !== "") r.bad(`${at}.${name}.${kind}.host`, "pod-security/host-probes", `${name} may not name a host (${String(host)}); it checks the pod itself`);
      }
    }
  }
};

// ---- restricted ------------------------------------------------------------------------

/** check_allowPrivilegeEscalation.go */
const privilegeEscalation: Control = ({ containers }, r) => {
  for (const { c, at } of containers) {
    const sc = ensureObj(c, "securityContext");
    if (sc.allowPrivilegeEscalation === true) r.bad(`${at}.securityContext.allowPrivilegeEscalation`, "pod-security/privilege-escalation", "allowPrivilegeEscalation must be false");
    else if (sc.allowPrivilegeEscalation === undefined) {
      sc.allowPrivilegeEscalation = false;
      r.changed(`${at}.securityContext.allowPrivilegeEscalation`, "allowPrivilegeEscalation: false was set (restricted profile): setuid binaries such as sudo will not gain privileges");
    }
  }
};

/** check_runAsNonRoot.go and check_runAsUser.go; any value in a user namespace (1.35). */
const runAsNonRoot: Control = ({ spec, containers, userNamespace }, r) => {
  if (userNamespace) return;
  const podSc = ensureObj(spec, "securityContext");
  if (podSc.runAsNonRoot === false) r.bad("securityContext.runAsNonRoot", "pod-security/run-as-non-root", "runAsNonRoot: false is not allowed; run as a non-root user (or set hostUsers: false for a user namespace)");
  if (podSc.runAsUser === 0) r.bad("securityContext.runAsUser", "pod-security/run-as-non-root", "runAsUser 0 is root; use a non-zero user id (or set hostUsers: false for a user namespace)");
  let allContainersSet = true;
  for (const { c, at } of containers) {
    const sc = objAt(c, "securityContext") ?? {};
    if (sc.runAsNonRoot === false) r.bad(`${at}.securityContext.runAsNonRoot`, "pod-security/run-as-non-root", "runAsNonRoot: false is not allowed");
    if (sc.runAsUser === 0) r.bad(`${at}.securityContext.runAsUser`, "pod-security/run-as-non-root", "runAsUser 0 is root; use a non-zero user id");
    if (sc.runAsNonRoot !== true) allContainersSet = false;
  }
  if (podSc.runAsNonRoot === undefined && !allContainersSet) {
    podSc.runAsNonRoot = true;
    const uid = podSc.runAsUser !== undefined || containers.every(({ c }) => objAt(c, "securityContext")?.runAsUser !== undefined);
    r.changed(
      "securityContext.runAsNonRoot",
      uid
        ? "runAsNonRoot: true was set (restricted profile)"
        : "runAsNonRoot: true was set (restricted profile); if the image runs as root by default (as redis:7, busybox and nginx do), its pods will not start: set securityContext.runAsUser to a non-zero id or use a non-root image",
    );
  }
};

// ---- the platform's own rules ------------------------------------------------------------

/** The node pools run Linux; Windows settings have no node to run on. */
const linuxOnly: Control = ({ spec, containers }, r) => {
  const os = objAt(spec, "os")?.name;
  if (os !== undefined && os !== "linux") r.bad("os.name", "pod-security/windows", `os.name ${String(os)}: the platform's node pools run Linux only; remove it or set linux`);
  // `hostProcess: false` alone is what PSS allows and means nothing on Linux; anything else is for Windows.
  const windowsOnly = (sc: Obj | undefined) => Object.entries(objAt(sc ?? {}, "windowsOptions") ?? {}).some(([k, v]) => !(k === "hostProcess" && v === false));
  if (windowsOnly(objAt(spec, "securityContext"))) r.bad("securityContext.windowsOptions", "pod-security/windows", "windowsOptions apply to Windows nodes; the node pools run Linux only");
  for (const { c, at } of containers) {
    if (windowsOnly(objAt(c, "securityContext"))) r.bad(`${at}.securityContext.windowsOptions`, "pod-security/windows", "windowsOptions apply to Windows nodes; the node pools run Linux only");
  }
};

/** Ephemeral containers come from `kubectl debug` on a running pod, never from a manifest. */
const noEphemeral: Control = ({ spec }, r) => {
  if (listAt(spec, "ephemeralContainers").length > 0) r.bad("ephemeralContainers", "pod-security/ephemeral-containers", "ephemeralContainers cannot be created with a pod; remove them");
};

/**
 * Every image a pod can pull (containers, init containers, `image` volumes) from an allowed
 * registry: parsed by the reference grammar, short names read as the runtime reads them
 * (`busybox` is docker.io/library/busybox), the registry host compared exactly (a prefix match
 * let `registry.allowed.example.evil.net` through), a path entry matched at a `/` boundary.
 */
const registries =
  (allowed: string[]): Control =>
  ({ spec, containers }, r) => {
    if (allowed.length === 0) return;
    const entries = allowed.map(parseRegistryEntry).filter((e): e is NonNullable<typeof e> => e !== undefined);
    const check = (raw: unknown, at: string) => {
      const image = typeof raw === "string" ? raw : "";
      const ref = parseImageRef(image);
      if (!ref) r.bad(at, "pod-security/registry", `image "${image.slice(0, 300)}" is not a valid image reference (registry/repository[:tag][@digest])`);
      else if (!entries.some((e) => imageAllowedBy(ref, e))) {
        r.bad(at, "pod-security/registry", `image "${image.slice(0, 300)}" (${ref.domain}/${ref.path}) is not from an allowed registry (${allowed.join(", ")})`);
      }
    };
    for (const { c, at } of containers) check(c.image, `${at}.image`);
    listAt(spec, "volumes").forEach((v, i) => {
      const source = isObj(v) ? objAt(v, "image") : undefined;
      if (source) check(source.reference, `volumes[${i}].image.reference`);
    });
  };

/** A job's pods get no API token unless they ask for one. */
const noTokenByDefault: Control = ({ spec }, r) => {
  if (spec.automountServiceAccountToken === undefined) {
    spec.automountServiceAccountToken = false;
    r.changed("automountServiceAccountToken", "automountServiceAccountToken: false was set: pods get no Kubernetes API token unless they set it to true");
  }
};

/** Baseline, then restricted (which tightens baseline's volume and capability rules), then ours. */
export const CONTROLS = {
  windowsHostProcess,
  hostNamespaces,
  privileged,
  capabilities,
  volumes,
  hostPorts,
  appArmor,
  seLinux,
  procMount,
  seccomp,
  sysctls,
  hostProbes,
  privilegeEscalation,
  runAsNonRoot,
  linuxOnly,
  noEphemeral,
  noTokenByDefault,
} as const;

/**
 * Check a pod spec (and its metadata's annotations) against both profiles and the platform's
 * rules. Mutates `podSpec` where a safe default is filled in. Paths are reported under
 * `specPath` (and `metaPath` for annotations).
 */
export const checkPodSpec = (podSpec: Obj, podMeta: Obj | undefined, specPath: string, metaPath: string, policy: PodPolicy, report: Report) => {
  const containers = CONTAINER_LISTS.flatMap((list) => listAt(podSpec, list).flatMap((c, i) => (isObj(c) ? [{ c, at: `${list}[${i}]` }] : [])));
  const pod: Pod = { spec: podSpec, meta: podMeta, containers, userNamespace: podSpec.hostUsers === false };
  const spec = under(report, specPath);
  // Annotation paths start with "(metadata)" so they can be re-rooted at the pod's metadata.
  const r: Report = {
    bad: (p, rule, m) => (p.startsWith("(metadata).") ? report.bad(`${metaPath}.${p.slice(11)}`, rule, m) : spec.bad(p, rule, m)),
    changed: (p, m) => spec.changed(p, m),
  };
  for (const control of Object.values(CONTROLS)) control(pod, r);
  registries(policy.allowedRegistries)(pod, r);
};

/** Where each workload kind keeps its pod template: metadata and spec. */
const POD_PATHS: Readonly<Record<string, string[]>> = {
  Pod: [],
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** The pod spec and metadata of a workload, if it has them. */
export const podOf = (obj: Obj): { spec: Obj; meta: Obj | undefined; specPath: string; metaPath: string } | undefined => {
  const path = POD_PATHS[String(obj.kind)];
  if (!path) return undefined;
  let cur: unknown = obj;
  for (const k of path) cur = isObj(cur) ? cur[k] : undefined;
  if (!isObj(cur) || !isObj(cur.spec)) return undefined;
  const base = path.join(".");
  return { spec: cur.spec, meta: objAt(cur, "metadata"), specPath: base ? `${base}.spec` : "spec", metaPath: base ? `${base}.metadata` : "metadata" };
};
