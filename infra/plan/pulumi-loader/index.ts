import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { PACK_NAME, PACK_POLICIES } from "../../../policies/rules/pack-policies";
import { checkPolicyPackConfig } from "./policy-pack-config";
import { loadProjectFile } from "./project-file";
import { loadStackConfig, type EngineConfig } from "./stack-file";

export { PulumiLoaderError, PULUMI_SOURCE } from "./loader-error";
export { OFFLINE_SECRET, type EngineConfig } from "./stack-file";

export const PROJECT_ROOT = path.join(__dirname, "../../..");

/** The policy-pack config a stack is previewed with (the workflows pass `policies/config.<stack>.json`). */
export const policyConfigFile = (stack: string, root = PROJECT_ROOT): string => path.join(root, "policies", `config.${stack}.json`);

export interface LoadedStack {
  project: string;
  config: EngineConfig;
  /** Settings in the policy config that name no policy of the pack (the CLI ignores them). */
  warnings: string[];
}

/**
 * Everything `pulumi preview --policy-pack policies --policy-pack-config policies/config.<stack>.json`
 * checks before the program runs, in the CLI's order: the project file, the stack's config
 * merged with the project's declarations, then the policy pack's config. Throws a
 * PulumiLoaderError with the CLI's message where the CLI would stop; returns the config the
 * engine would hand to the program.
 */
export const loadLikeTheCli = (stack: string, root = PROJECT_ROOT): LoadedStack => {
  const projectFile = path.join(root, "Pulumi.yaml");
  const project = loadProjectFile(readFileSync(projectFile, "utf8"), "Pulumi.yaml");
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  const config = loadStackConfig(project, stack, existsSync(stackFile) ? readFileSync(stackFile, "utf8") : undefined);
  const warnings: string[] = [];
  const policyFile = policyConfigFile(stack, root);
  if (existsSync(policyFile)) {
    const { unknownPolicies } = checkPolicyPackConfig(PACK_NAME, PACK_POLICIES, readFileSync(policyFile, "utf8"), path.relative(root, policyFile));
    for (const name of unknownPolicies) warnings.push(`${path.relative(root, policyFile)}: "${name}" is not a policy of the pack; the CLI ignores its settings`);
  }
  return { project: project.name, config, warnings };
};
