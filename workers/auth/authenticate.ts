import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { Role } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../../domain/api-error.ts";
import { verifyAccessJwt } from "./access-jwt.ts";
import { roleAllows, type Identity } from "./identity.ts";
import { secretsEqual } from "../../db/token-secrets.ts";
import { findActiveApiToken, touchApiToken } from "../../db/api-tokens.ts";
import { findSession, SESSION_COOKIE } from "../../db/sessions.ts";

const HOW_TO_AUTH =
  "send `Authorization: Bearer <token>` with the admin token (DESKFLEET_ADMIN_TOKEN) or an API token from POST /api/tokens";

/** Resolves the caller's identity from a bearer token, a session cookie or a Cloudflare Access JWT. */
export async function resolveIdentity(c: Context<AppEnv>): Promise<Identity | null> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new ApiError(401, "invalid_credentials", `malformed Authorization header; ${HOW_TO_AUTH}`);
    return identityFromBearer(c, match[1]);
  }
  const session = getCookie(c, SESSION_COOKIE);
  if (session) {
    const found = await findSession(c.env.DB, session);
    if (found) return { kind: "session", id: found.identityId, name: found.name, role: found.role, expiresAt: found.expiresAt };
  }
  const accessJwt = c.req.header("cf-access-jwt-assertion");
  if (accessJwt && c.env.ACCESS_TEAM_DOMAIN && c.env.ACCESS_AUD) {
    const email = await verifyAccessJwt(accessJwt, c.env.ACCESS_TEAM_DOMAIN, c.env.ACCESS_AUD);
    if (email) return { kind: "access", id: `access:${email}`, name: email, role: accessRole(c.env, email) };
  }
  return null;
}

export async function identityFromBearer(c: Context<AppEnv>, token: string): Promise<Identity> {
  const admin = c.env.DESKFLEET_ADMIN_TOKEN;
  if (admin && (await secretsEqual(token, admin))) return { kind: "admin_token", id: "admin", name: "admin", role: "admin" };
  if (token.startsWith("dft_")) {
    const row = await findActiveApiToken(c.env.DB, token);
    if (row) {
      c.executionCtx.waitUntil(touchApiToken(c.env.DB, row.id, row.lastUsedAt));
      return { kind: "api_token", id: `token:${row.id}`, name: row.name, role: row.role };
    }
  }
  throw new ApiError(401, "invalid_credentials", `the token is not valid (revoked, mistyped or from another deployment); ${HOW_TO_AUTH}`);
}

/** Access users are operators unless listed in DESKFLEET_ACCESS_ADMINS (comma-separated emails). */
function accessRole(env: Env, email: string): Role {
  const admins = (env.DESKFLEET_ACCESS_ADMINS ?? "").split(",").map((s) => s.trim().toLowerCase());
  return admins.includes(email.toLowerCase()) ? "admin" : "operator";
}

/** Authenticates the request and requires at least `role`. Every API route but health uses it. */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const identity = await resolveIdentity(c);
    if (!identity) throw new ApiError(401, "unauthenticated", `authentication required; ${HOW_TO_AUTH}`);
    if (!roleAllows(identity.role, role)) {
      throw new ApiError(403, "forbidden", `this needs the ${role} role; ${identity.name} has ${identity.role}`);
    }
    c.set("identity", identity);
    await next();
  };
}
