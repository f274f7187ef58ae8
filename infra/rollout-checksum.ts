import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * A short checksum of what a pod reads once at start (a certificate, a tokens file), for its
 * template's annotations: when the content changes, the template changes and the pods roll.
 */
export const rolloutChecksum = (content: pulumi.Input<string>): pulumi.Output<string> =>
  pulumi.output(content).apply((c) => createHash("sha256").update(c ?? "").digest("hex").slice(0, 16));
