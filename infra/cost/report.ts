import type { PlannedResource } from "../plan/offline-run";
import { estimateCost } from "./estimate";
import { renderCost } from "./render-cost";

/** The plan's last section: the cost table, or why it could not be computed. */
export const costReport = (resources: PlannedResource[], stack: string): string => {
  try {
    return renderCost(estimateCost(resources, stack));
  } catch (err) {
    return `Cost: not estimated: ${(err as Error).message}`;
  }
};
