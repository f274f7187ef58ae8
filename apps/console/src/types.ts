/** The API's types as the console sees them: all from the client typed by docs/openapi.yaml. */
import type { DryRunResult, Job, Manifests, StreamEvent } from "../../shared/api-client/client";

export type { DryRunResult, Job, Manifests, StreamEvent };
export type JobStatus = Job["status"];
export type Problem = DryRunResult["problems"][number];
export type AdmissionWarning = DryRunResult["warnings"][number];
