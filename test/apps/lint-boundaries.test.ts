import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const RULE = "boundaries/dependencies";

/** Lint a file that does not exist, as if it sat at `at`, with the project's own ESLint config. */
const violations = async (at: string, code: string) => {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, at) });
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.line);
};

describe("import boundaries between services (lint)", () => {
  it("When a service imports another service's folder statically, re-exports from it or imports it dynamically, then lint fails on each line", async () => {
    const code = [
      'import { statusWorkerHandler } from "../status-worker/handler";',
      'export { startYamlManager } from "../yaml-manager/service";',
      'export const start = async () => (await import("../cluster-applier/service")).startClusterApplier;',
      "export const handler = statusWorkerHandler;",
    ].join("\n");
    expect(await violations("apps/entrypoint/boundary-probe.ts", code)).toEqual([1, 2, 3]);
  });

  it("When a shared library or a client imports a service's folder, then lint fails", async () => {
    expect(await violations("apps/shared/public-api/boundary-probe.ts", 'export { startEntrypoint } from "../../entrypoint/service";')).toEqual([1]);
    expect(await violations("apps/cli/boundary-probe.ts", 'export const s = () => import("../status-worker/service");')).toEqual([1]);
  });

  it("When a service imports shared libraries or its own files, then lint passes", async () => {
    const code = ['import { createPublicApi } from "../shared/public-api/public-api";', 'import { statusWorkerHandler } from "./handler";', "export const both = [createPublicApi, statusWorkerHandler];"].join("\n");
    expect(await violations("apps/status-worker/boundary-probe.ts", code)).toEqual([]);
  });
});
