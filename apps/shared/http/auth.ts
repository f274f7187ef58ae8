import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RequestHandler, Response } from "express";
import { DEFAULT_TENANT } from "../contract";
import { AppError } from "../errors/app-error";
import type { Refusal, RateLimits } from "./rate-limits";

export interface AuthSettings {
  API_TOKENS: string;
  API_TOKENS_FILE: string;
  RATE_LIMIT_PER_SECOND: number;
  RATE_LIMIT_BURST: number;
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

const tooMany = (message: string, r: Refusal) => new AppError(`${message}; retry after ${r.retryAfterSeconds} seconds`, { status: 429, retryAfterSeconds: r.retryAfterSeconds });

/**
 * Bearer-token authentication (constant-time: every stored digest is compared, equal-length
 * SHA-256 digests, no early exit) and the rate limits (see rate-limits.ts). Without tokens
 * (only allowed on loopback) every caller is the default tenant.
 *
 * Each request is authenticated and counted once, even where several services' routers share
 * one app (`npm start`) and each mounts this: a request that has a tenant already passes.
 *
 * Failed authentication is limited per client address (req.ip: the socket's peer, or the entry
 * the trusted proxies added to X-Forwarded-For, see TRUSTED_PROXY_HOPS). A blocked address is
 * refused before its token is looked at, a correct one too: otherwise 200 against 429 would
 * still tell a guesser when it hit. Success neither spends nor restores failure points, so a
 * tenant cannot wash out its guesses at other tenants' tokens with its own good requests.
 */
export const authenticate = (s: AuthSettings, limits: RateLimits): RequestHandler => {
  const tokens = loadTokens(s);
  return async (req, res, next) => {
    if (res.locals.tenant !== undefined) return next();
    let tenant = DEFAULT_TENANT;
    if (tokens.length > 0) {
      const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
      const blocked = await limits.authBlocked(address);
      if (blocked) throw tooMany("too many failed authentications from this address", blocked);
      // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" is as good as "Bearer".
      const m = /^Bearer +(.+)$/i.exec(req.get("authorization") ?? "");
      const presented = digest(m?.[1] ?? "");
      let found: string | undefined;
      for (const t of tokens) if (timingSafeEqual(t.digest, presented) && found === undefined) found = t.tenant;
      if (!found) {
        const over = await limits.authFailed(address);
        if (over) throw tooMany("too many failed authentications from this address", over);
        res.set("WWW-Authenticate", 'Bearer realm="management-app"');
        throw new AppError("missing or invalid bearer token: send Authorization: Bearer <token>", { status: 401 });
      }
      tenant = found;
    }
    res.locals.tenant = tenant;
    const over = await limits.tenantRequest(tenant);
    if (over) throw tooMany(`rate limit of ${s.RATE_LIMIT_PER_SECOND} requests per second (burst ${s.RATE_LIMIT_BURST}) exceeded`, over);
    next();
  };
};
