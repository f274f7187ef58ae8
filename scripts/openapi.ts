/**
 * Writes docs/openapi.yaml from the contract, and the TypeScript types the API client is
 * built on (apps/shared/api-client/schema.ts, by openapi-typescript): `npm run openapi`.
 * A test fails if either is stale, so an API change the CLI does not follow breaks its build.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { stringify } from "yaml";
import { openApiDocument } from "../apps/shared/http/openapi";

export const renderOpenApi = () => `# Generated from apps/shared/contract by \`npm run openapi\`; do not edit.\n${stringify(openApiDocument(), { aliasDuplicateObjects: false })}`;

export const API_TYPES_PATH = path.join(__dirname, "../apps/shared/api-client/schema.ts");

export const renderApiTypes = async (): Promise<string> => {
  const ast = await openapiTS(JSON.parse(JSON.stringify(openApiDocument())), { alphabetize: true });
  return `// Generated from docs/openapi.yaml by \`npm run openapi\` (openapi-typescript); do not edit.\n${astToString(ast)}`;
};

if (require.main === module) {
  writeFileSync(path.join(__dirname, "../docs/openapi.yaml"), renderOpenApi());
  void renderApiTypes().then((text) => writeFileSync(API_TYPES_PATH, text));
}
