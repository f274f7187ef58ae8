/** One broken rule inside one object; admit() adds where the object is. */
export interface Finding {
  path: string;
  rule: string;
  message: string;
}

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
export const objAt = (o: Obj, key: string): Obj | undefined => (isObj(o[key]) ? (o[key] as Obj) : undefined);
export const listAt = (o: Obj, key: string): unknown[] => (Array.isArray(o[key]) ? (o[key] as unknown[]) : []);
