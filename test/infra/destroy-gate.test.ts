import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { WAIT_FOR_LEFTOVERS } from "../../infra/cluster/gke-leftovers";

/**
 * The destroy gate (infra/cluster/gke-leftovers.ts) against a gcloud test double on PATH: a
 * script that answers the calls the gate makes from files, and logs them. No cloud here; the
 * double stands only at gcloud's command line.
 */
interface World {
  forwardingRules?: string[];
  negs?: string[];
  firewalls?: string[];
  /** exists: describe succeeds; gone: NOT_FOUND; error: a permission error. */
  cluster?: "exists" | "gone" | "error";
  /** A listing that fails (permission, quota, transient), e.g. "firewall-rules". */
  failing?: string;
  /** List calls of forwarding rules after which GKE has removed them by itself. */
  forwardingRulesGoneAfter?: number;
}

const DOUBLE = `#!/bin/bash
d="$(dirname "$0")"
echo "$*" >> "$d/calls.log"
if [ "$1 $2" = "container clusters" ]; then
  case "$(cat "$d/cluster")" in
    exists) echo "$4"; exit 0 ;;
    gone) echo "ERROR: (gcloud.container.clusters.describe) ResponseError: code=404, message=Not found: projects/p/locations/l/clusters/$4." >&2; exit 1 ;;
    *) echo "ERROR: (gcloud.container.clusters.describe) ResponseError: code=403, message=Required 'container.clusters.get' permission" >&2; exit 1 ;;
  esac
fi
kind="$2"; verb="$3"
if [ "$verb" = list ]; then
  if [ "$(cat "$d/failing" 2>/dev/null)" = "$kind" ]; then echo "ERROR: (gcloud.compute.$kind.list) Quota exceeded" >&2; exit 1; fi
  if [ "$kind" = forwarding-rules ] && [ -f "$d/gone-after" ]; then
    n=$(( $(cat "$d/fr-calls" 2>/dev/null || echo 0) + 1 )); echo $n > "$d/fr-calls"
    [ "$n" -gt "$(cat "$d/gone-after")" ] && : > "$d/$kind"
  fi
  cat "$d/$kind" 2>/dev/null; exit 0
fi
if [ "$verb" = delete ]; then grep -v "^$4\\b" "$d/$kind" > "$d/$kind.new" || true; mv "$d/$kind.new" "$d/$kind"; exit 0; fi
exit 2
`;

const gate = (world: World, timeout = 60) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gcloud-double-"));
  writeFileSync(path.join(dir, "gcloud"), DOUBLE);
  chmodSync(path.join(dir, "gcloud"), 0o755);
  const lines = (xs?: string[]) => (xs?.length ? `${xs.join("\n")}\n` : "");
  writeFileSync(path.join(dir, "forwarding-rules"), lines(world.forwardingRules));
  writeFileSync(path.join(dir, "network-endpoint-groups"), lines(world.negs));
  writeFileSync(path.join(dir, "firewall-rules"), lines(world.firewalls));
  writeFileSync(path.join(dir, "cluster"), world.cluster ?? "exists");
  if (world.failing) writeFileSync(path.join(dir, "failing"), world.failing);
  if (world.forwardingRulesGoneAfter !== undefined) writeFileSync(path.join(dir, "gone-after"), String(world.forwardingRulesGoneAfter));
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, PROJECT: "p", NETWORK: "resources-net-1234", CLUSTER: "resources-gke-5678", LOCATION: "europe-west1-b", TIMEOUT_SECONDS: String(timeout), POLL_SECONDS: "0" };
  const calls = () => (existsSync(path.join(dir, "calls.log")) ? readFileSync(path.join(dir, "calls.log"), "utf8") : "");
  try {
    const out = execFileSync("/bin/bash", ["-c", WAIT_FOR_LEFTOVERS], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
    return { code: 0, out, calls: calls() };
  } catch (err) {
    const e = err as { status: number; stderr: string };
    return { code: e.status, out: e.stderr, calls: calls() };
  }
};

describe("the destroy gate, against a gcloud test double", () => {
  it("When GKE removes its forwarding rule after a while, then the gate waits and then lets destroy go on", () => {
    const r = gate({ forwardingRules: ["k8s2-fr-abc\teurope-west1"], forwardingRulesGoneAfter: 2 });
    expect(r.code).toBe(0);
    expect(r.calls).toContain("compute forwarding-rules list --project p --filter network~/resources-net-1234$");
    expect(r.calls).toContain("compute network-endpoint-groups list");
    expect(r.calls).toMatch(/compute firewall-rules list .*name~\^\(k8s\|gkegw\)/);
    expect(r.calls).not.toContain(" delete ");
  });

  it("When the leftovers outlast the timeout on a live cluster, then the gate fails naming what is left and deletes nothing", () => {
    const r = gate({ forwardingRules: ["k8s2-fr-abc\teurope-west1"] }, 0);
    expect(r.code).toBe(1);
    expect(r.out).toContain("k8s2-fr-abc");
    expect(r.calls).not.toContain(" delete ");
  });

  // Issue 22, item 6: a failed listing inside one `$( ... )` read as "nothing left" (only the
  // last command's status counts there without `shopt -s inherit_errexit`: GNU Bash manual).
  it.each(["forwarding-rules", "network-endpoint-groups", "firewall-rules"])("When the %s listing fails, then the gate fails instead of reading it as nothing left", (failing) => {
    const r = gate({ failing, forwardingRules: [], negs: [], firewalls: [] });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("Quota exceeded");
    expect(r.out).not.toContain("no GKE leftovers");
  });

  it("keeps inherit_errexit on: a failure in the middle of a command substitution fails the gate's shell", () => {
    expect(WAIT_FOR_LEFTOVERS).toMatch(/^set -euo pipefail\nshopt -s inherit_errexit\n/);
    const probe = `${WAIT_FOR_LEFTOVERS.split("\n").slice(0, 2).join("\n")}\nx="$(false; echo late)"\necho "survived $x"`;
    expect(() => execFileSync("/bin/bash", ["-c", probe], { stdio: "pipe" })).toThrow();
  });

  // Issue 22, item 5: once the cluster is gone no controller removes what it made; the gate does.
  it("When the cluster no longer exists, then the gate deletes its leftovers in the network itself and lets destroy go on at once", () => {
    const r = gate(
      {
        cluster: "gone",
        forwardingRules: ["k8s2-fr-abc\teurope-west1", "gkegw1-xyz-fr\t"],
        negs: ["k8s1-neg-1\teurope-west1-b"],
        firewalls: ["k8s-fw-a1b2", "gkegw1-l7-default"],
      },
      3600,
    );
    expect(r.code, r.out).toBe(0);
    expect(r.calls).toContain("container clusters describe resources-gke-5678 --location europe-west1-b --project p");
    expect(r.calls).toContain("compute forwarding-rules delete k8s2-fr-abc --region europe-west1 --project p --quiet");
    expect(r.calls).toContain("compute forwarding-rules delete gkegw1-xyz-fr --global --project p --quiet");
    expect(r.calls).toContain("compute network-endpoint-groups delete k8s1-neg-1 --zone europe-west1-b --project p --quiet");
    expect(r.calls).toContain("compute firewall-rules delete k8s-fw-a1b2 --project p --quiet");
    expect(r.calls).toContain("compute firewall-rules delete gkegw1-l7-default --project p --quiet");
    // Forwarding rules first (they hold the rest), NEGs last.
    expect(r.calls.indexOf("forwarding-rules delete")).toBeLessThan(r.calls.indexOf("network-endpoint-groups delete"));
  });

  it("When it cannot tell whether the cluster exists, then the gate fails and deletes nothing", () => {
    const r = gate({ cluster: "error", firewalls: ["k8s-fw-a1b2"] });
    expect(r.code).toBe(1);
    expect(r.out).toContain("container.clusters.get");
    expect(r.calls).not.toContain(" delete ");
  });
});

describe("the destroy workflow with a cluster already gone", () => {
  // pulumi/pulumi-kubernetes@v4.32.0:provider/pkg/provider/provider.go (Delete): on an unreachable
  // cluster every delete fails unless `deleteUnreachable` (kubernetes:config:deleteUnreachable)
  // or PULUMI_K8S_DELETE_UNREACHABLE=true, which then drops the objects from the state.
  it("offers the operator PULUMI_K8S_DELETE_UNREACHABLE as an explicit choice, off unless asked", () => {
    const w = parse(readFileSync(path.join(__dirname, "../../.github/workflows/destroy.yml"), "utf8")) as { on: any; jobs: Record<string, { env: Record<string, string> }> };
    const input = w.on.workflow_dispatch.inputs.delete_unreachable;
    expect(input).toMatchObject({ type: "boolean", default: false });
    expect(w.jobs.destroy!.env.PULUMI_K8S_DELETE_UNREACHABLE).toBe("${{ inputs.delete_unreachable }}");
  });
});
