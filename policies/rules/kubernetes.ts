import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_POLICY_CONFIG, type PlatformPolicyConfig } from "./policy-config";

type Props = Record<string, any>;
const POD_SPEC: Record<string, string[]> = {
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};
const dig = (o: Props, path: string[]) => path.reduce<any>((x, k) => x?.[k], o);
const INTERNAL = "networking.gke.io/load-balancer-type";
const CREDENTIAL = /pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:[^@/\s]+@/i;

export const kubernetesPolicies: ResourceValidationPolicy[] = [
  {
    name: "workload-resources-and-security-context",
    description: "Every container declares resource requests and runs with a restricted security context.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const path = POD_SPEC[args.type];
      if (!path) return;
      const pod: Props = dig(args.props, path) ?? {};
      for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Props[]) {
        if (!c.resources?.requests) report(`Container ${c.name}: set resources.requests (cpu, memory).`);
        const sc = c.securityContext ?? {};
        if (sc.allowPrivilegeEscalation !== false) report(`Container ${c.name}: set securityContext.allowPrivilegeEscalation: false.`);
        if (sc.privileged === true) report(`Container ${c.name}: privileged containers are not allowed.`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) report(`Container ${c.name}: drop ALL capabilities.`);
        if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) report(`Container ${c.name}: set runAsNonRoot: true (pod or container).`);
      }
      if (pod.hostNetwork || pod.hostPID || pod.hostIPC) report("Do not share the node's network, PID or IPC namespaces.");
    },
  },
  {
    name: "internal-load-balancers",
    description: "LoadBalancer Services are internal unless explicitly allowed.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const allowed = args.getConfig<Partial<PlatformPolicyConfig>>().externalLoadBalancersAllowed ?? DEFAULT_POLICY_CONFIG.externalLoadBalancersAllowed;
      const check = (type: unknown, annotations: Props | undefined, name: string) => {
        if (type === "LoadBalancer" && annotations?.[INTERNAL] !== "Internal" && !allowed.includes(name)) {
          report(`Service ${name}: add the annotation ${INTERNAL}: Internal (or allow it in externalLoadBalancersAllowed).`);
        }
      };
      if (args.type === "kubernetes:core/v1:Service") check(args.props.spec?.type, args.props.metadata?.annotations, String(args.props.metadata?.name ?? args.name));
      if (args.type === "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster") check(args.props.spec?.service?.type, args.props.spec?.service?.annotations, args.name);
    },
  },
  {
    // A LoadBalancer without spec.loadBalancerSourceRanges gets a GKE firewall rule from 0.0.0.0/0
    // (kubernetes/cloud-provider@v0.36.2:service/helpers/helper.go, GetLoadBalancerSourceRanges;
    // kubernetes/cloud-provider-gcp@v36.3.8:providers/gce/gce_loadbalancer_internal.go): on peered
    // VPCs, every node and pod of every peer. The firewall rules the program writes do not limit it.
    name: "load-balancer-source-ranges",
    description: "Every LoadBalancer names the ranges it admits (loadBalancerSourceRanges), never 0.0.0.0/0.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const check = (type: unknown, ranges: unknown, name: string) => {
        if (type !== "LoadBalancer") return;
        const list = Array.isArray(ranges) ? (ranges as string[]) : [];
        if (list.length === 0) report(`Service ${name}: set spec.loadBalancerSourceRanges to the clients' ranges (unset, GKE's k8s-fw rule admits 0.0.0.0/0).`);
        if (list.some((r) => r.endsWith("/0"))) report(`Service ${name}: loadBalancerSourceRanges must not include a /0 range.`);
      };
      if (args.type === "kubernetes:core/v1:Service") check(args.props.spec?.type, args.props.spec?.loadBalancerSourceRanges, String(args.props.metadata?.name ?? args.name));
      if (args.type === "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster") check(args.props.spec?.service?.type, args.props.spec?.override?.service?.spec?.loadBalancerSourceRanges, args.name);
    },
  },
  {
    name: "no-plaintext-credentials",
    description: "Credentials reach workloads through Secrets, never as literal env values, ConfigMap entries or URLs with passwords.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const path = POD_SPEC[args.type];
      if (path) {
        const pod: Props = dig(args.props, path) ?? {};
        for (const c of (pod.containers ?? []) as Props[]) {
          for (const e of (c.env ?? []) as Props[]) {
            if (typeof e.value !== "string" || !e.value) continue;
            if (CREDENTIAL.test(e.name) && !/_FILE$|_PATH$/.test(e.name)) report(`Container ${c.name}: env ${e.name} looks like a credential; use valueFrom.secretKeyRef.`);
            if (URL_WITH_PASSWORD.test(e.value)) report(`Container ${c.name}: env ${e.name} holds a URL with a password; use valueFrom.secretKeyRef.`);
          }
        }
      }
      if (args.type === "kubernetes:core/v1:ConfigMap") {
        for (const [k, v] of Object.entries((args.props.data ?? {}) as Record<string, string>)) {
          if (CREDENTIAL.test(k) || URL_WITH_PASSWORD.test(String(v))) report(`ConfigMap key ${k} looks like a credential; put it in a Secret.`);
        }
      }
    },
  },
  {
    name: "volumes-deleted-with-their-workload",
    description: "StatefulSets delete their volumes when deleted, so a destroy leaves no disks behind.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== "kubernetes:apps/v1:StatefulSet" || !(args.props.spec?.volumeClaimTemplates ?? []).length) return;
      if (args.props.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted !== "Delete") {
        report("Set spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Delete (persistent disks outlive the StatefulSet otherwise).");
      }
    },
  },
];
