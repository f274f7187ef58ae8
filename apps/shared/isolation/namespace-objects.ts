import {
  DEFAULT_TENANT,
  FENCE_LIMIT_RANGE,
  FENCE_NETWORK_POLICIES,
  FENCE_QUOTA,
  JOB_EPHEMERAL_STORAGE,
  JOB_ID_LABEL,
  KUEUE_API_VERSION,
  LOCAL_QUEUE_NAME,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PLATFORM_OBJECT_HEADROOM,
  QUOTA_COUNTED_KINDS,
  TENANT_LABEL,
  clusterQueueFor,
  namespaceFor,
  type IsolationSettings,
} from "../contract";

/** A Kubernetes object as the applier applies it. */
type Manifest = Record<string, unknown>;

export { isolationFromEnv, type IsolationSettings } from "../../shared/contract";

/**
 * The fence around a job: its namespace (Pod Security "restricted" enforced), a quota, default
 * and maximum container sizes, and network policies that deny everything except traffic
 * between the job's own pods, DNS, and the configured platform endpoints; and the job's Kueue
 * LocalQueue, which sends its workloads to the tenant's ClusterQueue. The namespace carries the
 * tenant: the ClusterQueue admits workloads only from its own tenant's namespaces.
 */
export const namespaceObjects = (jobId: string, s: IsolationSettings, tenant: string = DEFAULT_TENANT): Manifest[] => {
  const namespace = namespaceFor(jobId);
  const labels = { [JOB_ID_LABEL]: jobId, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  const meta = (name: string) => ({ name, namespace, labels });
  const netpol = (name: (typeof FENCE_NETWORK_POLICIES)[number], spec: Record<string, unknown>): Manifest => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(name),
    spec: { podSelector: {}, ...spec },
  });
  const objects: Manifest[] = [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: namespace,
        labels: {
          ...labels,
          [TENANT_LABEL]: tenant,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: meta(FENCE_QUOTA),
      spec: {
        hard: {
          "requests.cpu": s.quota.cpu,
          "limits.cpu": s.quota.cpu,
          "requests.memory": s.quota.memory,
          "limits.memory": s.quota.memory,
          "requests.storage": s.quota.storage,
          pods: String(s.quota.pods),
          "requests.ephemeral-storage": JOB_EPHEMERAL_STORAGE.quota,
          "limits.ephemeral-storage": JOB_EPHEMERAL_STORAGE.quota,
          // Every kind a job may create is counted (contract/job-limits.ts).
          ...Object.fromEntries(Object.entries(QUOTA_COUNTED_KINDS).map(([kind, resource]) => [resource, String(s.quota.objects + (PLATFORM_OBJECT_HEADROOM[kind] ?? 0))])),
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta(FENCE_LIMIT_RANGE),
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: s.container.defaultCpu, memory: s.container.defaultMemory, "ephemeral-storage": JOB_EPHEMERAL_STORAGE.defaultLimit },
            defaultRequest: { cpu: s.container.defaultCpu, memory: s.container.defaultMemory, "ephemeral-storage": JOB_EPHEMERAL_STORAGE.defaultRequest },
            max: { cpu: s.container.maxCpu, memory: s.container.maxMemory, "ephemeral-storage": JOB_EPHEMERAL_STORAGE.maxPerContainer },
          },
        ],
      },
    },
    netpol("default-deny", { policyTypes: ["Ingress", "Egress"] }),
    netpol("allow-within-job", {
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    netpol("allow-dns", {
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    }),
  ];
  objects.push({ apiVersion: KUEUE_API_VERSION, kind: "LocalQueue", metadata: meta(LOCAL_QUEUE_NAME), spec: { clusterQueue: clusterQueueFor(tenant) } });
  if (s.egress.length > 0) {
    objects.push(
      netpol("allow-platform", {
        policyTypes: ["Egress"],
        egress: s.egress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: [{ protocol: "TCP", port: e.port }] })),
      }),
    );
  }
  return objects;
};
