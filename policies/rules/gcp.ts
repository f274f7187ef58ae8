import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_POLICY_CONFIG, type PlatformPolicyConfig } from "./policy-config";

type Props = Record<string, any>;
const CLUSTER = "gcp:container/cluster:Cluster";
const POOL = "gcp:container/nodePool:NodePool";
// Defaults fill in what a stack's policy config leaves out.
const config = (args: ResourceValidationArgs): PlatformPolicyConfig => ({ ...DEFAULT_POLICY_CONFIG, ...args.getConfig<Partial<PlatformPolicyConfig>>() });
const nodeConfigsOf = (type: string, p: Props): Props[] => (type === POOL || type === CLUSTER ? [p.nodeConfig].filter(Boolean) : []);

export const gcpPolicies: ResourceValidationPolicy[] = [
  {
    name: "gke-private-nodes",
    description: "GKE nodes have no public IP addresses.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type === CLUSTER && args.props.privateClusterConfig?.enablePrivateNodes !== true) {
        report("Set privateClusterConfig.enablePrivateNodes: true; nodes reach the Internet through Cloud NAT.");
      }
      if (args.type === POOL && args.props.networkConfig?.enablePrivateNodes === false) report("Remove networkConfig.enablePrivateNodes: false from the node pool.");
      if (args.type === "gcp:compute/instance:Instance" && (args.props.networkInterfaces ?? []).some((n: Props) => (n.accessConfigs ?? []).length > 0)) {
        report("Remove accessConfigs: VMs get no public IP; use Cloud NAT or IAP.");
      }
    },
  },
  {
    name: "no-open-ingress",
    description: "No firewall rule lets the whole Internet in.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== "gcp:compute/firewall:Firewall" || (args.props.direction ?? "INGRESS") !== "INGRESS" || args.props.denies?.length) return;
      const open = (args.props.sourceRanges ?? []).filter((r: string) => r === "0.0.0.0/0" || r === "::/0");
      if (open.length) report(`Replace sourceRanges ${open.join(", ")} with the ranges that need access (peered VPCs, health checks).`);
    },
  },
  {
    name: "spot-node-pools",
    description: "Node pools use spot (or preemptible) VMs, unless the stack opts out.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== POOL || !config(args).requireSpot) return;
      const n = args.props.nodeConfig ?? {};
      if (n.spot !== true && n.preemptible !== true) report("Set nodeConfig.spot: true (or set requireSpot: false in the policy config for this stack).");
    },
  },
  {
    name: "no-default-compute-service-account",
    description: "Nodes run as a dedicated service account, not the project's default compute account.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      for (const n of nodeConfigsOf(args.type, args.props)) {
        const sa = String(n.serviceAccount ?? "");
        if (!sa || sa === "default" || sa.endsWith("-compute@developer.gserviceaccount.com")) {
          report("Set nodeConfig.serviceAccount to a dedicated least-privilege account (roles/container.defaultNodeServiceAccount).");
        }
      }
    },
  },
  {
    name: "gke-workload-identity",
    description: "Clusters use Workload Identity and nodes expose the GKE metadata server.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type === CLUSTER && !args.props.workloadIdentityConfig?.workloadPool) report("Set workloadIdentityConfig.workloadPool to <project>.svc.id.goog.");
      if (args.type === POOL && args.props.nodeConfig?.workloadMetadataConfig?.mode !== "GKE_METADATA") report("Set nodeConfig.workloadMetadataConfig.mode: GKE_METADATA.");
    },
  },
  {
    name: "gke-deletion-protection",
    description: "Cluster deletion protection matches the stack kind (on for prod, off for dev so destroy works).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== CLUSTER) return;
      const want = config(args).expectDeletionProtection;
      const has = args.props.deletionProtection ?? true; // the provider's default is true
      if (has !== want) report(`Set deletionProtection: ${want} for this stack (policy config expectDeletionProtection).`);
    },
  },
  {
    name: "required-labels",
    description: "Clusters and buckets carry the labels cost reports rely on.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const labels = args.type === CLUSTER ? args.props.resourceLabels : args.type === "gcp:storage/bucket:Bucket" ? args.props.labels : undefined;
      if (args.type !== CLUSTER && args.type !== "gcp:storage/bucket:Bucket") return;
      const missing = config(args).requiredLabels.filter((l) => !(labels ?? {})[l]);
      if (missing.length) report(`Add the labels ${missing.join(", ")}.`);
    },
  },
  {
    name: "private-buckets",
    description: "Buckets use uniform access and enforce public access prevention.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== "gcp:storage/bucket:Bucket") return;
      if (args.props.uniformBucketLevelAccess !== true) report("Set uniformBucketLevelAccess: true.");
      if (args.props.publicAccessPrevention !== "enforced") report('Set publicAccessPrevention: "enforced".');
    },
  },
];
