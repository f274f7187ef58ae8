import { MissingPriceError, type Price } from "./prices";

/**
 * Accelerator-optimized machines (G2: NVIDIA L4) per node-hour, GPU included, as the same Cloud
 * Billing Catalog snapshot the other region figures were checked against lists them
 * (Cyclenerd/google-cloud-pricing-cost-calculator@fd66b26ff84fee5cdd94f341ea89206e76c06b99:pricing.yml,
 * generated 2026-07-30, `instance.<type>.cost.<region>.hour` and `.hour_spot`; read 2026-12-07).
 * Spot prices move up to once a month. Pages: https://cloud.google.com/compute/gpus-pricing and
 * https://cloud.google.com/spot-vms/pricing.
 */
const CATALOG = "Cloud Billing Catalog snapshot github.com/Cyclenerd/google-cloud-pricing-cost-calculator@fd66b26ff84fee5cdd94f341ea89206e76c06b99:pricing.yml (generated 2026-07-30)";
const GPU_PAGE = "https://cloud.google.com/compute/gpus-pricing";
const SPOT_PAGE = "https://cloud.google.com/spot-vms/pricing";

/** [on-demand, spot] USD per node-hour. */
const TABLE: Record<string, Record<string, [number, number]>> = {
  "europe-west1": { "g2-standard-4": [0.778293004, 0.357456], "g2-standard-8": [0.939925708, 0.431712] },
  "europe-west4": { "g2-standard-4": [0.742916046, 0.38986], "g2-standard-8": [0.897201806, 0.47082] },
  "us-central1": { "g2-standard-4": [0.706832255, 0.397336], "g2-standard-8": [0.853624271, 0.479872] },
};

const price = (usd: number, machineType: string, region: string, spot: boolean): Price => ({
  usd,
  unit: `hour of one ${machineType} node${spot ? " (spot)" : ""}, its GPU included`,
  region,
  source: spot ? SPOT_PAGE : GPU_PAGE,
  checked: true,
  checkedAgainst: `${CATALOG}: instance.${machineType}.cost.${region}.${spot ? "hour_spot" : "hour"}`,
  ...(spot ? { note: "dynamic price, changes up to monthly (this one as of 2026-07-30)" } : {}),
});

export const gpuNodePrice = (region: string, machineType: string, spot: boolean): Price => {
  const row = TABLE[region]?.[machineType];
  if (!row) throw new MissingPriceError(`GPU machine ${machineType} in ${region}`);
  return price(spot ? row[1] : row[0], machineType, region, spot);
};

/** Every GPU machine price in the table (for the checks that hold for all prices). */
export const allGpuPrices = (): Price[] =>
  Object.entries(TABLE).flatMap(([region, row]) => Object.keys(row).flatMap((m) => [gpuNodePrice(region, m, false), gpuNodePrice(region, m, true)]));
