/**
 * The idle-destroy workflow's decision (.github/workflows/idle-destroy.yml):
 *   tsx scripts/idle/idle-check.ts --stack dev --api https://jobs.example.com [--deployed-at <RFC 3339>]
 * reads the stack's idleDestroyAfter from Pulumi.<stack>.yaml (as `npm run plan` does), the
 * platform's activity from GET /admin/activity with OPERATOR_TOKEN, and prints the decision;
 * in GitHub Actions it also writes `destroy=true|false` to GITHUB_OUTPUT and a summary.
 */
import { appendFileSync } from "node:fs";
import { PlatformActivity } from "../../apps/shared/contract";
import { decideIdle, type IdleDecision } from "./idle-decision";

export const fetchActivity = async (api: string, token: string, timeoutMs = 15_000): Promise<PlatformActivity> => {
  const res = await fetch(`${api.replace(/\/$/, "")}/admin/activity`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`GET /admin/activity answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return PlatformActivity.parse(await res.json());
};

/** One check: never destroys on an error (an unreachable API is not an idle platform). */
export const idleCheck = async (o: { api: string; token: string; idleDestroyAfter: string | undefined; deployedAt?: string; now?: Date }): Promise<IdleDecision> => {
  if (!o.idleDestroyAfter) return decideIdle({ tenants: 0, busy: [], running: 0, queued: 0, observedAt: "" }, undefined, o.now ?? new Date());
  try {
    return decideIdle(await fetchActivity(o.api, o.token), o.idleDestroyAfter, o.now ?? new Date(), o.deployedAt);
  } catch (err) {
    return { destroy: false, reason: `could not read the platform's activity, so nothing is destroyed: ${(err as Error).message}` };
  }
};

/** The stack's config as the program sees it (Pulumi.<stack>.yaml read like the CLI, then checked). */
export const stackConfig = async (stack: string) => {
  const { loadLikeTheCli } = await import("../../infra/plan/pulumi-loader");
  const { StackConfig, buildPlatformConfig } = await import("../../infra/config/platform-config");
  const loaded = loadLikeTheCli(stack);
  const ns = loaded.project;
  const value = (k: string) => {
    const text = loaded.config.values[k];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  const raw = Object.fromEntries(Object.keys(StackConfig.shape).flatMap((k) => (value(`${ns}:${k}`) === undefined ? [] : [[k, value(`${ns}:${k}`)]])));
  return buildPlatformConfig(raw, { project: value("gcp:project") as string, region: value("gcp:region") as string }, ns);
};

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

if (require.main === module) {
  void (async () => {
    const stack = arg("stack") ?? "dev";
    const cfg = await stackConfig(stack);
    const decision = await idleCheck({ api: arg("api") ?? `https://${cfg.app.hostname}`, token: process.env.OPERATOR_TOKEN ?? "", idleDestroyAfter: cfg.idleDestroyAfter, deployedAt: arg("deployed-at") });
    console.log(`${decision.destroy ? "DESTROY" : "keep"}: ${decision.reason}`);
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `destroy=${decision.destroy}\n`);
    if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### Idle check of stack ${stack}\n\n${decision.destroy ? "**destroy**" : "keep"}: ${decision.reason}\n`);
  })().catch((err: unknown) => {
    console.error(String((err as Error).message ?? err));
    process.exit(1);
  });
}
