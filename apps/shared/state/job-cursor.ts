import { z } from "zod";
import { JobId } from "../contract";

/**
 * Where a page of GET /jobs ended: the last job's place in the tenant's index (creation time
 * in ms, the index's score; ties are ordered by id, as Redis orders equal scores). The next
 * page starts strictly after it, so jobs created or deleted between two requests never make
 * a page repeat or skip one (an offset would shift under them).
 */
export interface ListPosition {
  score: number;
  id: string;
}

/** Opaque to clients: base64url of `<score>:<id>`. */
export const encodeCursor = (p: ListPosition): string => Buffer.from(`${p.score}:${p.id}`, "utf8").toString("base64url");

const BASE64URL = /^[A-Za-z0-9_-]{1,100}$/;
const DECODED = /^(0|[1-9]\d{0,15}):(.+)$/;

/** The position a cursor names, or undefined if we never handed it out (wrong shape, edited, truncated). */
export const decodeCursor = (cursor: string): ListPosition | undefined => {
  if (!BASE64URL.test(cursor)) return undefined;
  const m = DECODED.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m || !JobId.safeParse(m[2]).success) return undefined;
  const p = { score: Number(m[1]), id: m[2]! };
  // Only our own encoding: Node's decoder skips what it cannot read rather than failing.
  return Number.isSafeInteger(p.score) && encodeCursor(p) === cursor ? p : undefined;
};

export const CURSOR_HELP = "not a cursor a previous page returned: pass its nextCursor unchanged, or start again without one";

/** The `cursor` query parameter, decoded at the edge. */
export const CursorParam = z.string().transform((s, ctx) => {
  const p = decodeCursor(s);
  if (!p) {
    ctx.addIssue({ code: "custom", message: CURSOR_HELP });
    return z.NEVER;
  }
  return p;
});
