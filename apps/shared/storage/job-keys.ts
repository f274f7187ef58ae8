/** Where each piece of a job lives in the object store. One place, so services agree. */
export const jobKeys = (jobId: string) => {
  const root = `jobs/${jobId}`;
  return {
    root,
    file: (index: number) => `${root}/files/${String(index).padStart(3, "0")}.yaml`,
    manifests: `${root}/manifests.json`,
    applied: (target: string) => `${root}/${target}/applied.json`,
    rolledBack: (target: string) => `${root}/${target}/rolled-back.json`,
    /** Written before a rollback starts; an apply that sees it undoes itself. */
    tombstone: `${root}/deleted`,
  };
};
