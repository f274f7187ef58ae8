/** Where each piece of a job lives in the object store. One place, so services agree. */
export const jobKeys = (jobId: string) => {
  const root = `jobs/${jobId}`;
  return {
    root,
    /** The files as sent, with the documents parsed from them (parsed once, at the edge). */
    submission: `${root}/submission.json`,
    manifests: `${root}/manifests.json`,
    /** What admission said besides yes: `{ warnings: AdmissionWarning[] }` (the changes it made). */
    admission: `${root}/admission.json`,
    applied: (target: string) => `${root}/${target}/applied.json`,
    rolledBack: (target: string) => `${root}/${target}/rolled-back.json`,
    /** Each container's last log bytes, saved by the applier when its pod ends or is rolled back. */
    logs: `${root}/logs/`,
    log: (pod: string, container: string) => `${root}/logs/${pod}/${container}.log`,
    /** "committed" (the YAML Manager took the job) or "withdrawn" (its client got a 503): first writer wins. */
    fate: `${root}/fate`,
    /** Written before a rollback starts; an apply that sees it undoes itself. */
    tombstone: `${root}/deleted`,
  };
};
