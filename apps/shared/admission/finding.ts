/** One broken rule inside one object; admit() adds where the object is. */
export interface Finding {
  path: string;
  rule: string;
  message: string;
}

/** One change admission made to an object, reported to the user with the job. */
export interface Change {
  path: string;
  message: string;
}

/** Where checks report: problems refuse the job, changes become the job's warnings. */
export interface Report {
  bad(path: string, rule: string, message: string): void;
  changed(path: string, message: string): void;
}

/** A Report that collects into arrays, for one object. */
export const collect = (): Report & { problems: Finding[]; changes: Change[] } => {
  const problems: Finding[] = [];
  const changes: Change[] = [];
  return { problems, changes, bad: (path, rule, message) => problems.push({ path, rule, message }), changed: (path, message) => changes.push({ path, message }) };
};

/** The same report, with every path under `base`. */
export const under = (r: Report, base: string): Report => {
  const at = (p: string) => (!base ? p : !p ? base : p.startsWith("[") ? `${base}${p}` : `${base}.${p}`);
  return { bad: (p, rule, m) => r.bad(at(p), rule, m), changed: (p, m) => r.changed(at(p), m) };
};

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
export const objAt = (o: Obj, key: string): Obj | undefined => (isObj(o[key]) ? (o[key] as Obj) : undefined);
export const listAt = (o: Obj, key: string): unknown[] => (Array.isArray(o[key]) ? (o[key] as unknown[]) : []);
/** The object at `key`, created empty if missing. */
export const ensureObj = (o: Obj, key: string): Obj => {
  if (!isObj(o[key])) o[key] = {};
  return o[key] as Obj;
};
