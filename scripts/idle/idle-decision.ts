import type { PlatformActivity } from "../../apps/shared/contract";

/** `6h`, `90m` → milliseconds (the stack config's idleDestroyAfter; checked at `npm run plan`). */
export const durationMs = (d: string): number => {
  const m = /^([1-9]\d*)([hm])$/.exec(d);
  if (!m) throw new Error(`idleDestroyAfter "${d}" is not a duration such as 6h or 90m`);
  return Number(m[1]) * (m[2] === "h" ? 3_600_000 : 60_000);
};

export interface IdleDecision {
  destroy: boolean;
  reason: string;
}

/**
 * Destroy only when the platform is idle across all tenants: nothing running, queued or still
 * in the pipeline, and no job changed within `idleDestroyAfter` (a job that finished an hour ago
 * keeps a 6 h stack up for five more hours). `undefined` (prod): never.
 */
export const decideIdle = (activity: PlatformActivity, idleDestroyAfter: string | undefined, now: Date, deployedAt?: string): IdleDecision => {
  if (!idleDestroyAfter) return { destroy: false, reason: "idle destroy is off for this stack (idleDestroyAfter unset or off)" };
  const limit = durationMs(idleDestroyAfter);
  if (activity.busy.length > 0) {
    const b = activity.busy.slice(0, 3).map((x) => `${x.tenant}/${x.id} ${x.phase ?? x.status}`);
    return { destroy: false, reason: `${activity.busy.length} job(s) busy (${activity.running} running, ${activity.queued} queued): ${b.join(", ")}${activity.busy.length > 3 ? ", …" : ""}` };
  }
  // The stack's last deployment counts as activity: a stack just brought back is not idle.
  const times = [activity.lastActivityAt, deployedAt].filter((t): t is string => Boolean(t) && !Number.isNaN(Date.parse(t!)));
  if (times.length === 0) return { destroy: false, reason: "no job and no deployment time known: cannot tell how long the stack has been idle" };
  const last = times.reduce((a, b) => (Date.parse(a) > Date.parse(b) ? a : b));
  const idleFor = now.getTime() - Date.parse(last);
  const what = last === activity.lastActivityAt ? "last job activity" : "deployed";
  if (idleFor < limit) return { destroy: false, reason: `${what} ${last}, ${Math.floor(idleFor / 60_000)} min ago; idle destroy after ${idleDestroyAfter}` };
  return { destroy: true, reason: `nothing running or queued across ${activity.tenants} tenant(s); ${what} ${last} (${Math.floor(idleFor / 60_000)} min ago, more than ${idleDestroyAfter})` };
};
