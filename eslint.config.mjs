import js from "@eslint/js";
import boundaries from "eslint-plugin-boundaries";
import tseslint from "typescript-eslint";

/**
 * The four service processes. Each folder owns only its wiring; what two of them need lives in
 * apps/shared (libraries). A service may not import another service's folder, nor a library a
 * service's, with a static import, an `export … from`, a require or a dynamic `import()`
 * (eslint-plugin-boundaries, `boundaries/dependency-nodes`). test/apps/lint-boundaries.test.ts
 * checks that the rule fails on a deliberate violation of each kind.
 */
export const SERVICES = ["entrypoint", "yaml-manager", "cluster-applier", "status-worker"];
const others = (svc) => SERVICES.filter((s) => s !== svc);

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "apps/cli/dist/", "coverage/", ".test-results/", "policies/node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Tests reach into parsed JSON; production code keeps `any` out.
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    // Policies read the untyped properties of any resource type.
    files: ["policies/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["apps/**/*.ts", "apps/**/*.tsx"],
    plugins: { boundaries },
    settings: {
      "import/resolver": { node: { extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs"] } },
      "boundaries/dependency-nodes": ["import", "dynamic-import", "export", "require"],
      "boundaries/elements": [
        ...SERVICES.map((s) => ({ type: s, pattern: `apps/${s}` })),
        { type: "library", pattern: "apps/shared" },
        { type: "client", pattern: "apps/(cli|console)" },
      ],
    },
    rules: {
      "boundaries/dependencies": [
        "error",
        {
          default: "allow",
          policies: [
            ...SERVICES.map((s) => ({
              from: { element: { type: s } },
              disallow: { to: { element: { types: { anyOf: others(s) } } } },
              message: `a service does not import another service's folder: move what ${s} needs into apps/shared`,
            })),
            {
              from: { element: { types: { anyOf: ["library", "client"] } } },
              disallow: { to: { element: { types: { anyOf: SERVICES } } } },
              message: "libraries and clients do not import a service's folder: the shared code belongs in apps/shared",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", URL: "readonly", fetch: "readonly" } },
  },
);
