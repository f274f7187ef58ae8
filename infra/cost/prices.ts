/**
 * The price table: every figure the cost estimate uses, in USD, with its unit, region, the
 * date it was taken and the public page it comes from.
 *
 * NOT CHECKED LIVE. This table was written on an offline machine (2026-11-25) that cannot
 * reach cloud.google.com: the figures are Google's public list prices as last read from the
 * pages below (2025 list prices). Spot prices change up to once a month. Refresh every figure
 * from its page (or the Cloud Billing Catalog API) before relying on a total, and update
 * `PRICES_AS_OF` and `checked` when you do.
 */

export const PRICES_AS_OF = "2025 list prices, written down 2026-11-25 (offline: not re-checked)";

export interface Price {
  usd: number;
  unit: string;
  /** A region, or "global" when the price does not depend on one. */
  region: string;
  source: string;
  /** True only once someone compared the figure with its page on `asOf`. */
  checked: boolean;
  note?: string;
}

const VM_PAGE = "https://cloud.google.com/compute/vm-instance-pricing";
const SPOT_PAGE = "https://cloud.google.com/spot-vms/pricing";
const DISK_PAGE = "https://cloud.google.com/compute/disks-image-pricing";
const GKE_PAGE = "https://cloud.google.com/kubernetes-engine/pricing";
const NAT_PAGE = "https://cloud.google.com/nat/pricing";
const NET_PAGE = "https://cloud.google.com/vpc/network-pricing";
const DNS_PAGE = "https://cloud.google.com/dns/pricing";
const GCS_PAGE = "https://cloud.google.com/storage/pricing";

const p = (usd: number, unit: string, region: string, source: string, note?: string): Price => ({ usd, unit, region, source, checked: false, ...(note ? { note } : {}) });

/** E2 and N2 predefined types are billed per vCPU-hour and per GiB-hour of memory (VM_PAGE). */
export interface FamilyRates {
  vcpuHour: Price;
  gibHour: Price;
}
export interface RegionPrices {
  machines: Record<string, { onDemand: FamilyRates; spot: FamilyRates }>;
  /** Persistent disk capacity, per GiB-month (Compute Engine prices disks in 2^30-byte GB). */
  disks: Record<string, Price>;
  /** Cloud Storage Standard, regional bucket, per GiB-month. */
  gcsStandard: Price;
}

const rates = (region: string, family: string, vcpu: number, gib: number, spot: boolean): FamilyRates => ({
  vcpuHour: p(vcpu, "vCPU-hour", region, spot ? SPOT_PAGE : VM_PAGE, spot ? `${family} spot: dynamic price, changes up to monthly` : `${family} on-demand`),
  gibHour: p(gib, "GiB-hour of memory", region, spot ? SPOT_PAGE : VM_PAGE, spot ? `${family} spot: dynamic price, changes up to monthly` : `${family} on-demand`),
});

export const REGION_PRICES: Record<string, RegionPrices> = {
  "europe-west1": {
    machines: {
      e2: { onDemand: rates("europe-west1", "E2", 0.023981, 0.003214, false), spot: rates("europe-west1", "E2", 0.007194, 0.000964, true) },
      n2: { onDemand: rates("europe-west1", "N2", 0.034773, 0.004661, false), spot: rates("europe-west1", "N2", 0.008389, 0.001124, true) },
    },
    disks: {
      "pd-standard": p(0.044, "GiB-month", "europe-west1", DISK_PAGE),
      "pd-balanced": p(0.11, "GiB-month", "europe-west1", DISK_PAGE),
      "pd-ssd": p(0.187, "GiB-month", "europe-west1", DISK_PAGE),
    },
    gcsStandard: p(0.02, "GiB-month", "europe-west1", GCS_PAGE, "Standard class, regional bucket; operations and egress not counted"),
  },
  "us-central1": {
    machines: {
      e2: { onDemand: rates("us-central1", "E2", 0.021811, 0.002923, false), spot: rates("us-central1", "E2", 0.006543, 0.000877, true) },
      n2: { onDemand: rates("us-central1", "N2", 0.031611, 0.004237, false), spot: rates("us-central1", "N2", 0.007627, 0.001022, true) },
    },
    disks: {
      "pd-standard": p(0.04, "GiB-month", "us-central1", DISK_PAGE),
      "pd-balanced": p(0.1, "GiB-month", "us-central1", DISK_PAGE),
      "pd-ssd": p(0.17, "GiB-month", "us-central1", DISK_PAGE),
    },
    gcsStandard: p(0.02, "GiB-month", "us-central1", GCS_PAGE, "Standard class, regional bucket; operations and egress not counted"),
  },
};

/** Prices that are the same in every region (or billed per project), as the pages state them. */
export const GLOBAL_PRICES = {
  gkeClusterHour: p(0.1, "cluster-hour", "global", GKE_PAGE, "Standard edition management fee, zonal and regional clusters alike"),
  gkeFreeTierMonth: p(74.4, "month per billing account", "global", GKE_PAGE, "free-tier credit, applies to zonal (and Autopilot) clusters only"),
  natVmHour: p(0.0014, "VM-hour per gateway, up to 32 VMs", "global", NAT_PAGE),
  natGatewayMaxHour: p(0.044, "gateway-hour, from 32 VMs on", "global", NAT_PAGE, "data processed ($0.045/GiB) is not counted: it depends on traffic"),
  externalIpHour: p(0.005, "IPv4 address-hour in use", "global", NET_PAGE, "one address per NAT gateway (AUTO_ONLY allocates as needed)"),
  forwardingRulesFirst5Hour: p(0.025, "hour for the first 5 forwarding rules", "global", NET_PAGE, "per project and region (global rules counted apart)"),
  forwardingRuleExtraHour: p(0.01, "hour per forwarding rule beyond 5", "global", NET_PAGE),
  dnsZoneMonth: p(0.2, "managed zone-month (first 25 zones)", "global", DNS_PAGE, "queries ($0.40 per million) not counted"),
} as const;

export class MissingPriceError extends Error {
  constructor(what: string) {
    super(`no price for ${what} in infra/cost/prices.ts: add it (with its unit, region, source page and date) before using it`);
    this.name = "MissingPriceError";
  }
}

export const regionPrices = (region: string): RegionPrices => {
  const r = REGION_PRICES[region];
  if (!r) throw new MissingPriceError(`region ${region}`);
  return r;
};

export const familyOf = (machineType: string): string => machineType.split("-")[0] ?? machineType;

export const familyRates = (region: string, machineType: string, spot: boolean): FamilyRates => {
  const family = regionPrices(region).machines[familyOf(machineType)];
  if (!family) throw new MissingPriceError(`machine family ${familyOf(machineType)} (${machineType}) in ${region}`);
  return spot ? family.spot : family.onDemand;
};

export const diskPrice = (region: string, diskType: string): Price => {
  const d = regionPrices(region).disks[diskType];
  if (!d) throw new MissingPriceError(`disk type ${diskType} in ${region}`);
  return d;
};
