import { isolationFromEnv, type ServiceEnv } from "../contract";
import type { AdmissionPolicy } from "./admit";

/**
 * The admission policy from a service's settings: one function for the YAML Manager (which
 * enforces it) and the entrypoint's dry run (which must give the same verdict).
 */
export const admissionPolicyOf = (env: ServiceEnv<"yaml-manager"> | ServiceEnv<"entrypoint">): AdmissionPolicy => ({
  allowedRegistries: env.ALLOWED_REGISTRIES,
  jobActiveDeadlineSeconds: env.JOB_ACTIVE_DEADLINE_SECONDS,
  jobTtlSecondsAfterFinished: env.JOB_TTL_SECONDS_AFTER_FINISHED,
  isolation: isolationFromEnv(env),
  allowedPriorityClasses: env.ALLOWED_PRIORITY_CLASSES,
  allowedStorageClasses: env.ALLOWED_STORAGE_CLASSES,
  capacity: env.QUEUE_CAPACITY,
});
