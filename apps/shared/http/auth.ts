import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RequestHandler, Response } from "express";
import { DEFAULT_TENANT } from "../contract";
import { AppError } from "../errors/app-error";
import type { JobRepository } from "../state/job-repository";

export interface AuthSettings {
  API_TOKENS: string;
  API_TOKENS_FILE: string;
  RATE_LIMIT_PER_SECOND: number;
}

interface TokenEntry {
  tenant: string;
  digest: Buffer;
}

const digest = (token: string) => createHash("sha256").update(token).digest();

/** `tenant:token` pairs from the env variable and/or the mounted file, checked once at start. */
export const loadTokens = (s: AuthSettings): TokenEntry[] => {
  const text = [s.API_TOKENS.replace(/,/g, "\n"), s.API_TOKENS_FILE ? readFileSync(s.API_TOKENS_FILE, "utf8") : ""].join("\n");
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => {
      const i = line.indexOf(":");
      const tenant = line.slice(0, i);
      const token = line.slice(i + 1);
      if (i <= 0 || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(tenant)) throw new Error(`API token entries must be tenant:token with a lowercase tenant name (got "${line.slice(0, 20)}...")`);
      if (token.length < 16) throw new Error(`the API token of tenant ${tenant} is shorter than 16 characters`);
      return { tenant, digest: digest(token) };
    });
};

/** The tenant a request was authenticated as. */
export const tenantOf = (res: Response): string => (res.locals.tenant as string | undefined) ?? DEFAULT_TENANT;

/**
 * Bearer-token authentication (constant-time: every stored digest is compared, equal-length
 * SHA-256 digests, no early exit) and a per-tenant rate limit shared by all replicas through
 * Redis. Without tokens (only allowed on loopback) every caller is the default tenant.
 */
export const authenticate = (s: AuthSettings, jobs: JobRepository): RequestHandler => {
  const tokens = loadTokens(s);
  return async (req, res, next) => {
    let tenant = DEFAULT_TENANT;
    if (tokens.length > 0) {
      // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" is as good as "Bearer".
      const m = /^Bearer +(.+)$/i.exec(req.get("authorization") ?? "");
      const presented = digest(m?.[1] ?? "");
      let found: string | undefined;
      for (const t of tokens) if (timingSafeEqual(t.digest, presented) && found === undefined) found = t.tenant;
      if (!found) {
        res.set("WWW-Authenticate", 'Bearer realm="management-app"');
        throw new AppError("missing or invalid bearer token: send Authorization: Bearer <token>", { status: 401 });
      }
      tenant = found;
    }
    res.locals.tenant = tenant;
    // Fail open if Redis is away: the route itself answers 503 if it needs Redis.
    const within = await jobs.withinRate(tenant, s.RATE_LIMIT_PER_SECOND).catch(() => true);
    if (!within) {
      res.set("Retry-After", "1");
      throw new AppError(`rate limit of ${s.RATE_LIMIT_PER_SECOND} requests per second exceeded; retry after 1 second`, { status: 429 });
    }
    next();
  };
};
