import type { StackValidationPolicy } from "@pulumi/policy";
import { overlaps, parseCidr } from "../../infra/network/cidr";

/** GCP refuses to peer networks whose ranges overlap; find it in the preview instead. */
export const stackPolicies: StackValidationPolicy[] = [
  {
    name: "peered-ranges-disjoint",
    description: "Subnet, secondary and control-plane ranges of all VPCs are pairwise disjoint.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const ranges: { label: string; cidr: string }[] = [];
      for (const r of args.resources) {
        if (r.type === "gcp:compute/subnetwork:Subnetwork") {
          if (r.props.ipCidrRange) ranges.push({ label: `${r.name} nodes`, cidr: r.props.ipCidrRange });
          for (const s of r.props.secondaryIpRanges ?? []) ranges.push({ label: `${r.name} ${s.rangeName}`, cidr: s.ipCidrRange });
        }
        const cp = r.type === "gcp:container/cluster:Cluster" ? r.props.privateClusterConfig?.masterIpv4CidrBlock : undefined;
        if (cp) ranges.push({ label: `${r.name} control plane`, cidr: cp });
      }
      for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
          const a = ranges[i]!;
          const b = ranges[j]!;
          if (overlaps(parseCidr(a.cidr), parseCidr(b.cidr))) report(`${a.label} (${a.cidr}) overlaps ${b.label} (${b.cidr}); give them disjoint ranges.`);
        }
      }
    },
  },
];
