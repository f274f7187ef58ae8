/**
 * The price table: every figure the cost estimate uses, in USD, with its unit, region, the
 * public page it belongs to and, when it was checked, what exactly it was checked against.
 *
 * Checked 2026-11-25 on a machine without internet access, against stored copies only:
 * - Region figures (machines, spot, disks, Cloud Storage): a public snapshot of Google's Cloud
 *   Billing Catalog, Cyclenerd/google-cloud-pricing-cost-calculator@fd66b26 pricing.yml
 *   (generated 2026-07-30). It lists prices per machine type, not per vCPU: the per-vCPU and
 *   per-GiB rates below are the unique solution that reproduces every predefined E2 (17) and
 *   N2 (29) type's hourly price in it exactly (to within 1e-14 USD).
 * - Global figures: stored copies of Google's pricing pages (see each `checkedAgainst`).
 * Spot prices move up to once a month, so the spot figures are as of 2026-07-30, not today.
 * `checked: false` means nothing authoritative was found: the figure is as written from memory.
 * Refresh from the pages (or the Cloud Billing Catalog API) and update `PRICES_AS_OF`.
 */

export const PRICES_AS_OF = "Cloud Billing Catalog snapshot of 2026-07-30 and Google's pricing pages as stored, checked offline 2026-11-25";

export interface Price {
  usd: number;
  unit: string;
  /** A region, or "global" when the price does not depend on one. */
  region: string;
  /** Google's page for the figure. */
  source: string;
  /** True only when the figure was seen at (or follows exactly from) what `checkedAgainst` names. */
  checked: boolean;
  /** What was read to check the figure, and its date when known. Set exactly when `checked`. */
  checkedAgainst?: string;
  note?: string;
}

const VM_PAGE = "https://cloud.google.com/compute/vm-instance-pricing";
const SPOT_PAGE = "https://cloud.google.com/spot-vms/pricing";
const DISK_PAGE = "https://cloud.google.com/compute/disks-image-pricing";
const GKE_PAGE = "https://cloud.google.com/kubernetes-engine/pricing";
const NAT_PAGE = "https://cloud.google.com/nat/pricing";
const LB_PAGE = "https://cloud.google.com/load-balancing/pricing";
const DNS_PAGE = "https://cloud.google.com/dns/pricing";
const GCS_PAGE = "https://cloud.google.com/storage/pricing";

/** The catalog snapshot the region figures were checked against. */
const CATALOG = "Cloud Billing Catalog snapshot github.com/Cyclenerd/google-cloud-pricing-cost-calculator@fd66b26ff84fee5cdd94f341ea89206e76c06b99:pricing.yml (generated 2026-07-30)";

const unchecked = (usd: number, unit: string, region: string, source: string, note?: string): Price => ({ usd, unit, region, source, checked: false, ...(note ? { note } : {}) });
const checked = (usd: number, unit: string, region: string, source: string, checkedAgainst: string, note?: string): Price => ({ usd, unit, region, source, checked: true, checkedAgainst, ...(note ? { note } : {}) });

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
  /** Regional forwarding rules (internal load balancers), per project and region. */
  forwardingRules: { first5Hour: Price; extraHour: Price };
}

/** [per vCPU-hour, per GiB-hour]. */
type Rates = readonly [number, number];
interface RegionRow {
  machines: Record<string, { onDemand: Rates; spot: Rates }>;
  disks: Record<string, number>;
  gcsStandard: number;
  /** Not found per region in what could be read: the global rule prices, unchecked. */
  forwardingRules: { first5Hour: number; extraHour: number };
}

/** The only data per region: one row each; `regionFrom` turns it into Prices. */
const REGION_TABLE: Record<string, RegionRow> = {
  "europe-west1": {
    machines: { e2: { onDemand: [0.02399337, 0.00321609], spot: [0.01162, 0.001558] }, n2: { onDemand: [0.034773, 0.004661], spot: [0.00763, 0.001023] } },
    disks: { "pd-standard": 0.04, "pd-balanced": 0.1, "pd-ssd": 0.17 },
    gcsStandard: 0.02,
    forwardingRules: { first5Hour: 0.025, extraHour: 0.01 },
  },
  "us-central1": {
    machines: { e2: { onDemand: [0.02181159, 0.00292353], spot: [0.01309, 0.001754] }, n2: { onDemand: [0.031611, 0.004237], spot: [0.01499, 0.00201] } },
    disks: { "pd-standard": 0.04, "pd-balanced": 0.1, "pd-ssd": 0.17 },
    gcsStandard: 0.02,
    forwardingRules: { first5Hour: 0.025, extraHour: 0.01 },
  },
};

/** The snapshot's names for our disk types (its build/mapping.csv: SKU descriptions). */
const CATALOG_DISK: Record<string, string> = {
  "pd-standard": "compute.storage.hdd (SKU 'Storage PD Capacity')",
  "pd-balanced": "compute.storage.balanced (SKU 'Balanced PD Capacity')",
  "pd-ssd": "compute.storage.ssd (SKU 'SSD backed PD Capacity')",
};

const familyFrom = (region: string, family: string, [vcpu, gib]: Rates, spot: boolean): FamilyRates => {
  const F = family.toUpperCase();
  const what = `${CATALOG}: compute.instance.${family}-*.cost.${region}.${spot ? "hour_spot" : "hour"}, solved per vCPU and per GiB (exact for every predefined ${F} type)`;
  const note = spot ? `${F} spot: dynamic price, changes up to monthly (this one as of 2026-07-30)` : `${F} on-demand`;
  return {
    vcpuHour: checked(vcpu, "vCPU-hour", region, spot ? SPOT_PAGE : VM_PAGE, what, note),
    gibHour: checked(gib, "GiB-hour of memory", region, spot ? SPOT_PAGE : VM_PAGE, what, note),
  };
};

const regionFrom = (region: string, row: RegionRow): RegionPrices => ({
  machines: Object.fromEntries(
    Object.entries(row.machines).map(([family, r]) => [family, { onDemand: familyFrom(region, family, r.onDemand, false), spot: familyFrom(region, family, r.spot, true) }]),
  ),
  disks: Object.fromEntries(
    Object.entries(row.disks).map(([type, usd]) => [type, checked(usd, "GiB-month", region, DISK_PAGE, `${CATALOG}: ${CATALOG_DISK[type]}.cost.${region}.month`)]),
  ),
  gcsStandard: checked(row.gcsStandard, "GiB-month", region, GCS_PAGE, `${CATALOG}: storage.bucket.standard.cost.${region}.month (SKU 'Standard Storage')`, "Standard class, regional bucket; operations and egress not counted"),
  forwardingRules: {
    first5Hour: unchecked(row.forwardingRules.first5Hour, "hour for the first 5 regional forwarding rules", region, LB_PAGE, "the page's per-region table was not in any stored copy: the global rule price is assumed"),
    extraHour: unchecked(row.forwardingRules.extraHour, "hour per regional forwarding rule beyond 5", region, LB_PAGE, "as above: the global rule price is assumed"),
  },
});

export const REGION_PRICES: Record<string, RegionPrices> = Object.fromEntries(Object.entries(REGION_TABLE).map(([region, row]) => [region, regionFrom(region, row)]));

/** Stored copies of Google's pages, as the search tool holds them (undated unless said). */
const GKE_COPY = "cloud.google.com/kubernetes-engine/pricing as stored by the search tool (copy served through a web proxy, undated)";
const NAT_COPY = "cloud.google.com/nat/pricing as stored by the search tool (Google's devsite mirror cloud-dot-devsite-v2-prod.appspot.com/nat/pricing, undated)";
const LB_COPY = "cloud.google.com/load-balancing/pricing as stored by the search tool (copies served through web proxies, undated), table 'global forwarding rules'";

/** Prices that are the same in every region (or billed per project), as the pages state them. */
export const GLOBAL_PRICES = {
  gkeClusterHour: checked(0.1, "cluster-hour", "global", GKE_PAGE, `${GKE_COPY}: "a flat cluster management fee of $0.10 per cluster per hour"; also cloud.google.com/kubernetes-engine/pricing?hl=nb as stored: "Standard edition ... $0.10 per cluster per hour"`, "Standard edition management fee, zonal and regional clusters alike"),
  gkeFreeTierMonth: checked(74.4, "month per billing account", "global", GKE_PAGE, `${GKE_COPY}: "The GKE free tier provides $74.40 in monthly credits per billing account"`, "free-tier credit, applies to zonal (and Autopilot) clusters only"),
  natVmHour: checked(0.0014, "VM-hour per gateway, up to 32 VMs", "global", NAT_PAGE, `${NAT_COPY}: "$0.0014 * the number of VM instances that are using the gateway"; agrees with ${CATALOG}: compute.network.nat.gateway (0.0448 = 32 x 0.0014)`),
  natGatewayMaxHour: checked(0.044, "gateway-hour, from 32 VMs on", "global", NAT_PAGE, `${NAT_COPY}: "More than 32 VM instances $0.044"`, "the catalog snapshot bills 32 x $0.0014 = $0.0448; data processed ($0.045/GiB) is not counted: it depends on traffic"),
  externalIpHour: checked(0.005, "IPv4 address-hour in use", "global", NAT_PAGE, `${NAT_COPY}: "Price per hour for a static or an ephemeral external IP address used by a NAT gateway ... $0.005"`, "one address per NAT gateway (AUTO_ONLY allocates as needed)"),
  forwardingRulesFirst5Hour: checked(0.025, "hour for the first 5 global forwarding rules", "global", LB_PAGE, `${LB_COPY}: "First 5 forwarding rules $0.025 Per Hour"`, "per project (regional rules are priced per region: see REGION_PRICES)"),
  forwardingRuleExtraHour: checked(0.01, "hour per global forwarding rule beyond 5", "global", LB_PAGE, `${LB_COPY}: "Per additional forwarding rule $0.01 Per Hour"`),
  dnsZoneMonth: checked(0.2, "managed zone-month (first 25 zones)", "global", DNS_PAGE, "secondary: a transcription of cloud.google.com/dns/pricing read 2026-09-20, github.com/api-evangelist/google-cloud-dns plans/google-cloud-dns-plans-pricing.yml: \"Managed zones 0 to 25: $0.000273973 / 1 hour\" (= $0.20 per 730-hour month)", "queries ($0.40 per million) not counted"),
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

/** Every Price in the table, for checks that must hold for all of them. */
export const allPrices = (): Price[] => [
  ...Object.values(GLOBAL_PRICES),
  ...Object.values(REGION_PRICES).flatMap((r) => [
    r.gcsStandard,
    r.forwardingRules.first5Hour,
    r.forwardingRules.extraHour,
    ...Object.values(r.disks),
    ...Object.values(r.machines).flatMap((m) => [m.onDemand.vcpuHour, m.onDemand.gibHour, m.spot.vcpuHour, m.spot.gibHour]),
  ]),
];
