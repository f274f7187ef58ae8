import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { API_TYPES_PATH, renderApiTypes, renderOpenApi } from "../../scripts/openapi";

describe("OpenAPI document", () => {
  it("When the contract changes, then docs/openapi.yaml must be regenerated (npm run openapi)", () => {
    const committed = readFileSync(path.join(__dirname, "../../docs/openapi.yaml"), "utf8");
    expect(committed).toBe(renderOpenApi());
  });

  it("When the API changes, then the client types the CLI is built on must be regenerated too (npm run openapi)", async () => {
    expect(readFileSync(API_TYPES_PATH, "utf8")).toBe(await renderApiTypes());
  });

  it("When read by a client, then it documents every route the services serve", () => {
    const doc = parse(renderOpenApi()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(routes.sort()).toEqual(
      [
        "POST /yaml",
        "GET /jobs",
        "GET /jobs/{id}",
        "GET /jobs/counts",
        "GET /",
        "DELETE /jobs/{id}",
        "POST /jobs/{id}/resubmit",
        "POST /webhooks",
        "GET /webhooks",
        "DELETE /webhooks/{id}",
        "POST /webhooks/{id}/secret",
        "GET /jobs/{id}/events",
        "GET /events",
        "GET /jobs/{id}/logs",
        "GET /jobs/{id}/manifests",
        "GET /usage",
        "GET /queues",
        "GET /admin/activity",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
      ].sort(),
    );
  });
});
