import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { SERVICE_NAMES } from "../../apps/shared/contract";
import { loadTokens } from "../../apps/shared/http/auth";
import { ManagementApp, type ManagementAppArgs } from "../../infra/management-app/management-app";
import type { OfflineRun } from "../../infra/plan/offline-run";
import type { EngineConfig } from "../../infra/plan/pulumi-loader";
import { isSecret, named, ofType, runStack, unwrapSecrets } from "./stack-suite";

const TENANTS = "gcp-compute-platform:tenants";
const PASSWORD = "random:index/randomPassword:RandomPassword";
/** What the offline runner returns as a RandomPassword's result (infra/plan/offline-run.ts). */
const generated = (resourceName: string) => `offline-secret-${resourceName}`;

const withoutTenant =
  (tenant: string) =>
  (c: EngineConfig): EngineConfig => {
    const tenants = JSON.parse(c.values[TENANTS]!) as Record<string, unknown>;
    delete tenants[tenant];
    return { ...c, values: { ...c.values, [TENANTS]: JSON.stringify(tenants) } };
  };

/** The dev stack as configured (tenants `default` and `research`), and with `research` removed. */
let both: OfflineRun;
let defaultOnly: OfflineRun;
beforeAll(async () => {
  both = await runStack("dev");
  vi.resetModules();
  defaultOnly = await runStack("dev", withoutTenant("research"));
});

const tokenPasswords = (run: OfflineRun) => ofType(run, PASSWORD).filter((r) => r.name.startsWith("app-api-token"));
const secretData = (run: OfflineRun) => (named(run, "app-secret").inputs as { stringData: Record<string, unknown> }).stringData;
const tokensFile = (run: OfflineRun) => (unwrapSecrets(secretData(run)) as Record<string, string>)["api-tokens"]!;
/** A secret input, whole (Pulumi marks the whole map when any value in it is secret) or this key. */
const tokensFileIsSecret = (run: OfflineRun) => isSecret(secretData(run)) || isSecret(secretData(run)["api-tokens"]);

/** The rendered tokens file as the API reads it: written to disk, parsed by the app's own loader. */
const parsedByTheApi = (text: string): Record<string, Buffer> => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "api-tokens-"));
  try {
    const file = path.join(dir, "api-tokens");
    writeFileSync(file, text);
    const entries = loadTokens({ API_TOKENS: "", API_TOKENS_FILE: file, RATE_LIMIT_PER_SECOND: 200, RATE_LIMIT_BURST: 200 });
    expect(new Set(entries.map((e) => e.tenant)).size, "one line per tenant").toBe(entries.length);
    return Object.fromEntries(entries.map((e) => [e.tenant, e.digest]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
const digest = (token: string) => createHash("sha256").update(token).digest();

describe("API tokens for every configured tenant (dev stack, Pulumi mocks)", () => {
  it("When the stack lists two tenants, then the program generates one token per tenant, the default's under its old resource name", () => {
    const passwords = tokenPasswords(both);
    expect(passwords.map((r) => r.name).sort()).toEqual(["app-api-token", "app-api-token-research"]);
    const app = ofType(both, "platform:app:ManagementApp")[0]!;
    for (const p of passwords) expect(p.parent, p.name).toBe(app.urn);
    for (const p of passwords) expect(p.inputs, p.name).toMatchObject({ length: 40, special: false });
  });

  it("When the stack lists two tenants, then the Secret's tokens file holds each tenant's token, as a secret, in the form the API's parser reads", () => {
    expect(tokensFileIsSecret(both)).toBe(true);
    const tokens = parsedByTheApi(tokensFile(both));
    expect(Object.keys(tokens).sort()).toEqual(["default", "research"]);
    expect(tokens.default).toEqual(digest(generated("app-api-token")));
    expect(tokens.research).toEqual(digest(generated("app-api-token-research")));
  });

  it("When the stack lists two tenants, then `apiTokens` exports each tenant's token as a secret, and `apiToken` is still the default's", () => {
    expect(both.outputs.apiTokens).toEqual({ default: generated("app-api-token"), research: generated("app-api-token-research") });
    expect(both.outputs.apiToken).toBe(generated("app-api-token"));
    // `apiTokens` is marked secret by the program itself. `apiToken` is a RandomPassword's result,
    // which @pulumi/random asks the engine to keep secret (additionalSecretOutputs: ["bcryptHash",
    // "result"], @pulumi/random@4.21.2 randomPassword.js); Pulumi's mock monitor does not apply
    // additionalSecretOutputs, so that half is not visible offline.
    expect(both.secretOutputs).toContain("apiTokens");
  });

  it("When a tenant is removed from the config, then its token is no longer generated, in the tokens file or exported; the default's is unchanged", () => {
    expect(tokenPasswords(defaultOnly).map((r) => r.name)).toEqual(["app-api-token"]);
    // Byte for byte the file a one-tenant stack had before tokens per tenant: no needless Secret change.
    expect(tokensFile(defaultOnly)).toBe(`default:${generated("app-api-token")}\n`);
    expect(Object.keys(parsedByTheApi(tokensFile(defaultOnly)))).toEqual(["default"]);
    expect(defaultOnly.outputs.apiTokens).toEqual({ default: generated("app-api-token") });
    expect(defaultOnly.outputs.apiToken).toBe(generated("app-api-token"));
  });

  it("When a tenant is added or removed, then the entrypoint's pod template changes, so its pods restart and read the new tokens file", () => {
    // The API reads the file once, at start (authenticate → loadTokens): without a roll a removed
    // tenant's token would keep working, and an added one would be refused, until a restart.
    const template = (run: OfflineRun, svc: string) => unwrapSecrets((named(run, `app-${svc}-deployment`).inputs as Record<string, any>).spec.template.metadata.annotations) as Record<string, string>;
    const checksum = (run: OfflineRun) => template(run, "entrypoint")["platform/api-tokens"];
    expect(checksum(both)).toMatch(/^[0-9a-f]{16}$/);
    expect(checksum(defaultOnly)).toMatch(/^[0-9a-f]{16}$/);
    expect(checksum(both)).not.toBe(checksum(defaultOnly));
    // Only the entrypoint mounts the tokens: the other services do not roll for a tenant.
    for (const svc of SERVICE_NAMES.filter((s) => s !== "entrypoint")) expect(template(both, svc)["platform/api-tokens"], svc).toBeUndefined();
  });

  it.each([
    [[], /at least one tenant/],
    [["research"], /belongs to tenant "default"/],
    [["default", "Team_A"], /"Team_A" is not a tenant name/],
  ])("When the Management App is given tenants %j, then it refuses them, saying what is wrong", (tenants, message) => {
    // Only what the checks read: the component checks its args before it uses any other.
    const args = { replicas: 2, tenants } as unknown as ManagementAppArgs;
    expect(() => new ManagementApp(`refused-${tenants.length}`, args)).toThrow(message);
  });
});
