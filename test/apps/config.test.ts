import { describe, expect, it } from "vitest";
import { ClusterApplierEnv, EntrypointEnv } from "../../apps/shared/contract";
import { ConfigError, parseEnv } from "../../apps/shared/config/parse-env";
import { newWebhookSecretKey } from "../../apps/shared/webhooks/secret-box";

describe("service configuration, parsed once at start-up", () => {
  it("When nothing but the webhook key is set, then local defaults apply (loopback, port 8080, filesystem store)", () => {
    const env = parseEnv(EntrypointEnv, { WEBHOOK_SECRET_KEY: newWebhookSecretKey() });
    expect(env).toMatchObject({ HOST: "127.0.0.1", PORT: 8080, STORAGE_DRIVER: "fs", NAME_PREFIX: "cp", DELIVERY_LIMIT: 5 });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it("When several variables are wrong, then the error names each of them and why", () => {
    let error: unknown;
    try {
      parseEnv(EntrypointEnv, { PORT: "70000", AMQP_URL: "not a url", STORAGE_DRIVER: "gcs", NAME_PREFIX: "Bad Prefix" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.join("\n");
    expect(issues).toMatch(/^PORT: /m);
    expect(issues).toMatch(/^AMQP_URL: /m);
    expect(issues).toMatch(/^NAME_PREFIX: lowercase letters/m);
    expect(issues).toMatch(/^GCS_BUCKET: required when STORAGE_DRIVER=gcs/m);
  });

  it("When numbers come from the environment as text, then they are coerced and range-checked", () => {
    const WEBHOOK_SECRET_KEY = newWebhookSecretKey();
    expect(parseEnv(EntrypointEnv, { MAX_PAGE_SIZE: "50", WEBHOOK_SECRET_KEY }).MAX_PAGE_SIZE).toBe(50);
    expect(() => parseEnv(EntrypointEnv, { MAX_PAGE_SIZE: "0", WEBHOOK_SECRET_KEY })).toThrow(/MAX_PAGE_SIZE/);
  });

  it("When the applier is given the log readers, then they are parsed once into a list, and a name with spaces is refused naming the variable", () => {
    expect(parseEnv(ClusterApplierEnv, {}).LOG_READER_USERS).toEqual([]);
    expect(parseEnv(ClusterApplierEnv, { LOG_READER_USERS: " a@p.iam.gserviceaccount.com, ,b@p.iam.gserviceaccount.com " }).LOG_READER_USERS).toEqual(["a@p.iam.gserviceaccount.com", "b@p.iam.gserviceaccount.com"]);
    expect(() => parseEnv(ClusterApplierEnv, { LOG_READER_USERS: "a b@p" })).toThrow(/LOG_READER_USERS: "a b@p" is not a username/);
  });
});
