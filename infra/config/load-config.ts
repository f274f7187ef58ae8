import * as pulumi from "@pulumi/pulumi";
import { StackConfig, buildPlatformConfig, type PlatformConfig } from "./platform-config";

/** Read the stack's config once, at the program's edge. */
export const loadPlatformConfig = (): PlatformConfig => {
  const cfg = new pulumi.Config();
  const gcp = new pulumi.Config("gcp");
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(StackConfig.shape)) {
    const text = cfg.get(key);
    if (text === undefined) continue;
    // Structured values (lists, maps, booleans) arrive as JSON text; plain strings do not.
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  return buildPlatformConfig(raw, { project: gcp.get("project"), region: gcp.get("region") }, cfg.name);
};
