import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** GCP service-account ids: 6-30 characters, a lowercase letter first, then letters, digits, '-'. */
const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * A service-account id that is unique per stack. Account ids are project-wide (unlike
 * autonamed resources), so two stacks in one project would otherwise fight over
 * `management-nodes` or `app-entrypoint`. The stack's name is appended; when the result would
 * be too long, a short hash of the stack stands in for it.
 * https://cloud.google.com/iam/docs/service-accounts-create#creating (account id rules)
 */
export const accountId = (base: string, stack: string = pulumi.getStack()): string => {
  const plain = `${base}-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.replace(/-+$/, "");
  if (ACCOUNT_ID.test(plain)) return plain;
  const hash = createHash("sha256").update(stack).digest("hex").slice(0, 6);
  const id = `${base.slice(0, 30 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
  if (!ACCOUNT_ID.test(id)) throw new Error(`"${base}" cannot make a valid service-account id (6-30 characters, a-z, 0-9, '-', starting with a letter)`);
  return id;
};
