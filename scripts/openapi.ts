/** Writes docs/openapi.yaml from the contract: `npm run openapi`. A test fails if it is stale. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { openApiDocument } from "../apps/shared/http/openapi";

export const renderOpenApi = () => `# Generated from apps/shared/contract by \`npm run openapi\`; do not edit.\n${stringify(openApiDocument(), { aliasDuplicateObjects: false })}`;

if (require.main === module) {
  writeFileSync(path.join(__dirname, "../docs/openapi.yaml"), renderOpenApi());
}
