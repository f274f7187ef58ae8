import { isObj, listAt, objAt, type Finding, type Obj } from "./finding";

/** Where each workload kind keeps the pod spec its pods are made from. */
export const POD_SPEC_PATHS: Readonly<Record<string, string[]>> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Volume types the "restricted" Pod Security Standard allows (no hostPath, no in-tree drivers). */
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
/** Sysctls the "baseline" standard considers safe (namespaced, cannot affect other pods). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

export interface PodPolicy {
  /** Image prefixes allowed; empty allows any registry. */
  allowedRegistries: string[];
}

const ensureObj = (o: Obj, key: string): Obj => {
  if (!isObj(o[key])) o[key] = {};
  return o[key] as Obj;
};

/**
 * The Pod Security Standards "restricted" profile, checked before anything reaches the
 * cluster (PSA `enforce` would only refuse the pods later, after the Deployment or Job was
 * accepted). Where a safe value exists and the manifest says nothing, it is set (seccomp
 * RuntimeDefault, drop ALL, no privilege escalation, run as non-root, no automounted token);
 * where the manifest asks for something unsafe, it is refused. Mutates `podSpec`.
 */
export const checkPodSpec = (podSpec: Obj, base: string, policy: PodPolicy): Finding[] => {
  const out: Finding[] = [];
  const bad = (path: string, rule: string, message: string) => out.push({ path: `${base}.${path}`, rule: `pod-security/${rule}`, message });

  for (const host of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (podSpec[host] === true) bad(host, "host-namespaces", `${host} shares the node's namespaces; remove it`);
  }
  listAt(podSpec, "volumes").forEach((v, i) => {
    if (!isObj(v)) return;
    const type = Object.keys(v).find((k) => k !== "name");
    if (type && !RESTRICTED_VOLUMES.has(type)) {
      bad(`volumes[${i}].${type}`, type === "hostPath" ? "host-path" : "volume-type", `${type} volumes are not allowed; use ${[...RESTRICTED_VOLUMES].join(", ")}`);
    }
  });

  const podSc = ensureObj(podSpec, "securityContext");
  if (podSc.runAsNonRoot === false) bad("securityContext.runAsNonRoot", "run-as-non-root", "runAsNonRoot: false is not allowed; containers must run as a non-root user");
  else podSc.runAsNonRoot = true;
  if (podSc.runAsUser === 0) bad("securityContext.runAsUser", "run-as-non-root", "runAsUser 0 is root; use a non-zero user id");
  checkSeccomp(podSc, "securityContext", bad, true);
  listAt(podSc, "sysctls").forEach((s, i) => {
    const name = isObj(s) ? String(s.name) : "";
    if (!SAFE_SYSCTLS.has(name)) bad(`securityContext.sysctls[${i}]`, "sysctls", `sysctl ${name} is not in the safe set`);
  });
  checkSeLinux(podSc, "securityContext", bad);
  if (podSpec.automountServiceAccountToken === undefined) podSpec.automountServiceAccountToken = false;

  for (const list of CONTAINER_LISTS) {
    listAt(podSpec, list).forEach((c, i) => {
      if (!isObj(c)) return;
      const at = `${list}[${i}]`;
      const image = typeof c.image === "string" ? c.image : "";
      if (policy.allowedRegistries.length > 0 && !policy.allowedRegistries.some((p) => image.startsWith(p))) {
        bad(`${at}.image`, "registry", `image "${image}" is not from an allowed registry (${policy.allowedRegistries.join(", ")})`);
      }
      listAt(c, "ports").forEach((p, j) => {
        if (isObj(p) && typeof p.hostPort === "number" && p.hostPort !== 0) bad(`${at}.ports[${j}].hostPort`, "host-ports", "hostPort binds the node's port; remove it and use a Service");
      });
      const sc = ensureObj(c, "securityContext");
      const scAt = `${at}.securityContext`;
      if (sc.privileged === true) bad(`${scAt}.privileged`, "privileged", "privileged containers are not allowed");
      if (sc.allowPrivilegeEscalation === true) bad(`${scAt}.allowPrivilegeEscalation`, "privilege-escalation", "allowPrivilegeEscalation must be false");
      else sc.allowPrivilegeEscalation = false;
      if (sc.runAsNonRoot === false) bad(`${scAt}.runAsNonRoot`, "run-as-non-root", "runAsNonRoot: false is not allowed");
      if (sc.runAsUser === 0) bad(`${scAt}.runAsUser`, "run-as-non-root", "runAsUser 0 is root; use a non-zero user id");
      if (sc.procMount !== undefined && sc.procMount !== "Default") bad(`${scAt}.procMount`, "proc-mount", "procMount must be Default");
      if (isObj(sc.windowsOptions) && sc.windowsOptions.hostProcess === true) bad(`${scAt}.windowsOptions.hostProcess`, "host-process", "hostProcess containers are not allowed");
      checkSeccomp(sc, scAt, bad, false);
      checkSeLinux(sc, scAt, bad);
      const caps = ensureObj(sc, "capabilities");
      listAt(caps, "add").forEach((cap, j) => {
        if (cap !== "NET_BIND_SERVICE") bad(`${scAt}.capabilities.add[${j}]`, "capabilities", `capability ${String(cap)} may not be added (only NET_BIND_SERVICE)`);
      });
      const drop = listAt(caps, "drop");
      if (!drop.includes("ALL")) caps.drop = [...drop, "ALL"];
    });
  }
  return out;
};

type Bad = (path: string, rule: string, message: string) => void;

const checkSeccomp = (sc: Obj, at: string, bad: Bad, setDefault: boolean) => {
  const profile = objAt(sc, "seccompProfile");
  if (profile) {
    if (profile.type !== "RuntimeDefault" && profile.type !== "Localhost") bad(`${at}.seccompProfile.type`, "seccomp", "seccompProfile must be RuntimeDefault or Localhost");
  } else if (setDefault) {
    sc.seccompProfile = { type: "RuntimeDefault" };
  }
  const appArmor = objAt(sc, "appArmorProfile");
  if (appArmor?.type === "Unconfined") bad(`${at}.appArmorProfile.type`, "apparmor", "AppArmor may not be Unconfined");
};

const checkSeLinux = (sc: Obj, at: string, bad: Bad) => {
  const se = objAt(sc, "seLinuxOptions");
  if (!se) return;
  if (!SELINUX_TYPES.has(String(se.type ?? ""))) bad(`${at}.seLinuxOptions.type`, "selinux", `SELinux type ${String(se.type)} is not allowed`);
  if (se.user !== undefined || se.role !== undefined) bad(`${at}.seLinuxOptions`, "selinux", "SELinux user and role may not be set");
};

/** The pod spec of a workload, if it has one. */
export const podSpecOf = (obj: Obj): { spec: Obj; path: string } | undefined => {
  const path = POD_SPEC_PATHS[String(obj.kind)];
  if (!path) return undefined;
  let cur: unknown = obj;
  for (const k of path) cur = isObj(cur) ? cur[k] : undefined;
  return isObj(cur) ? { spec: cur, path: path.join(".") } : undefined;
};
