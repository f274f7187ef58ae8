import { capProblems, type AdmissionWarning, type Problem, type ResourceRef } from "../contract";
import { locateProblems } from "../manifests/locate-problems";
import { parseYamlFiles, type ParsedDocument, type YamlLimits } from "../manifests/parse-yaml";
import { admit, type AdmissionPolicy } from "./admit";

/** One whole check of a submission, as the worker pool runs it (manifests/parse-pool.ts). */
export interface AdmitTask {
  files: { name: string; text: string }[];
  limits: YamlLimits;
  /** Already parsed (the YAML Manager has them); parsed from `files` otherwise (the dry run). */
  documents?: ParsedDocument[];
  jobId: string;
  policy: AdmissionPolicy;
  tenant: string;
}

export type AdmitOutcome =
  | { ok: true; manifests: Record<string, unknown>[]; resources: ResourceRef[]; warnings: AdmissionWarning[] }
  | { ok: false; stage: "parse" | "admission"; problems: Problem[] };

/**
 * Admit parsed documents and point each problem and warning at its file and line (the defaults
 * the platform applied, at file:line). The one admission step both the YAML Manager (documents
 * stored at submit) and the dry run (through runAdmission) take.
 */
export const admitDocuments = (task: Omit<AdmitTask, "limits" | "documents"> & { documents: ParsedDocument[] }): AdmitOutcome => {
  const verdict = admit(task.jobId, task.documents, task.policy, task.tenant);
  if (!verdict.ok) return { ok: false, stage: "admission", problems: locateProblems(task.files, verdict.problems) };
  return { ...verdict, warnings: locateProblems(task.files, verdict.warnings) };
};

/**
 * Parse, admit, and point each problem at its line; every list capped (contract/problem-limits.ts),
 * so what crosses back from the worker is as small as what is stored and sent.
 */
export const runAdmission = (task: AdmitTask): AdmitOutcome => {
  let documents = task.documents;
  if (!documents) {
    const parsed = parseYamlFiles(task.files, task.limits);
    if (parsed.problems.length > 0) return { ok: false, stage: "parse", problems: capProblems(parsed.problems) };
    documents = parsed.documents;
  }
  return admitDocuments({ ...task, documents });
};
