import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { Role } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../../domain/api-error.ts";
import { accessCredential, adminCredential, apiTokenCredential } from "../../domain/access/credentials.ts";
import { sessionKey } from "../../domain/access/grant.ts";
import { endAccess } from "../../domain/access/revocation.ts";
import { verifyAccessJwt } from "./access-jwt.ts";
import { accessRoleOf, accessRules, type AccessRule } from "./access-roles.ts";
import { roleAllows, type Identity } from "./identity.ts";
import { needsOriginCheck, requireSameOrigin } from "./same-origin.ts";
import { secretsEqual } from "../../db/token-secrets.ts";
import { findActiveApiToken, isApiTokenActive, touchApiToken } from "../../db/api-tokens.ts";
import { deleteSessionById, findSession, SESSION_COOKIE, touchSession, type SessionRow } from "../../db/sessions.ts";
import { clientIp, rateLimited, withinLimit } from "../http/rate-limits.ts";
import { telegramConfig, userRole } from "../../domain/telegram/config.ts";
import { requireInScope } from "./desktop-scope.ts";

const HOW_TO_AUTH =
  "send `Authorization: Bearer <token>` with the admin token (DESKFLEET_ADMIN_TOKEN) or an API token from POST /api/tokens";

/**
 * A failed authentication: counted per client address, and once over the limit answered with 429
 * instead, so guessing tokens or codes stays slow.
 */
export async function authFailure(c: Context<AppEnv>, error: ApiError): Promise<ApiError> {
  return (await withinLimit(c.env, "LIMIT_AUTH_FAILURES", clientIp(c.req.raw))) ? error : rateLimited("LIMIT_AUTH_FAILURES");
}

/** Resolves the caller's identity from a bearer token, a session cookie or a Cloudflare Access JWT. */
export async function resolveIdentity(c: Context<AppEnv>): Promise<Identity | null> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new ApiError(401, "invalid_credentials", `malformed Authorization header; ${HOW_TO_AUTH}`);
    return identityFromBearer(c, match[1]);
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) {
    const row = await findSession(c.env.DB, cookie);
    // A desktop-scoped (Mini App) session is a bearer token only, never a cookie.
    if (row && !row.desktopId) return identityFromSession(c, row);
  }
  const accessJwt = c.req.header("cf-access-jwt-assertion");
  if (accessJwt && c.env.ACCESS_TEAM_DOMAIN && c.env.ACCESS_AUD) {
    const who = await verifyAccessJwt(accessJwt, c.env.ACCESS_TEAM_DOMAIN, c.env.ACCESS_AUD);
    if (who) return accessIdentity(accessRules(c.env), who);
  }
  if (cookie) throw new ApiError(401, "session_ended", "this session has ended (signed out, expired, or the credential it was opened with was revoked or rotated); sign in again");
  return null;
}

/** A verified Access identity with its role from DESKFLEET_ACCESS_ROLES; one no rule names is refused (403). */
export function accessIdentity(rules: readonly AccessRule[], who: string): Identity {
  const role = accessRoleOf(rules, who);
  if (!role) {
    throw new ApiError(403, "access_identity_not_allowed", `${who} passed Cloudflare Access but has no Deskfleet role; an admin adds it to DESKFLEET_ACCESS_ROLES (e.g. operator:${who})`);
  }
  return { kind: "access", id: `access:${who}`, name: who, role, credential: accessCredential(who) };
}

export async function identityFromBearer(c: Context<AppEnv>, token: string): Promise<Identity> {
  const admin = c.env.DESKFLEET_ADMIN_TOKEN;
  if (admin && (await secretsEqual(token, admin))) return { kind: "admin_token", id: "admin", name: "admin", role: "admin", credential: await adminCredential(admin) };
  // A Telegram Mini App session travels as a bearer token (a cookie would not reach Telegram's web view of another site).
  if (token.startsWith("dfw_")) {
    const row = await findSession(c.env.DB, token);
    if (row?.desktopId) return identityFromSession(c, row);
  }
  if (token.startsWith("dft_")) {
    const row = await findActiveApiToken(c.env.DB, token);
    if (row) {
      c.executionCtx.waitUntil(touchApiToken(c.env.DB, row.id, row.lastUsedAt));
      return { kind: "api_token", id: `token:${row.id}`, name: row.name, role: row.role, credential: apiTokenCredential(row.id) };
    }
  }
  throw await authFailure(c, new ApiError(401, "invalid_credentials", `the token is not valid (revoked, mistyped or from another deployment); ${HOW_TO_AUTH}`));
}

/**
 * A session is only as good as the credential that opened it, checked on every use: a session of a
 * rotated admin token, a revoked API token or an Access identity without a role has ended, and so
 * has everything it opened.
 */
async function identityFromSession(c: Context<AppEnv>, row: SessionRow): Promise<Identity> {
  const role = await currentRole(c.env, row);
  if (typeof role !== "string") {
    c.executionCtx.waitUntil(
      deleteSessionById(c.env.DB, row.id).then(() => endAccess(c.env, [sessionKey(row.id)], `this session ended: ${role.why}; sign in again`)),
    );
    throw new ApiError(401, "session_ended", `this session ended: ${role.why}; sign in again`);
  }
  c.executionCtx.waitUntil(touchSession(c.env.DB, row, countryOf(c.req.raw)));
  return { kind: "session", id: row.identityId, name: row.name, role, credential: row.credential, sessionId: row.id, expiresAt: row.expiresAt, ...(row.desktopId ? { desktopId: row.desktopId } : {}) };
}

async function currentRole(env: Env, row: SessionRow): Promise<Role | { why: string }> {
  const [kind, rest = ""] = [row.credential.slice(0, row.credential.indexOf(":")), row.credential.slice(row.credential.indexOf(":") + 1)];
  if (kind === "admin") {
    const admin = env.DESKFLEET_ADMIN_TOKEN;
    return admin && row.credential === (await adminCredential(admin)) ? row.role : { why: "the admin token it was opened with was rotated" };
  }
  if (kind === "token") return (await isApiTokenActive(env.DB, rest)) ? row.role : { why: "the API token it was opened with was revoked" };
  if (kind === "access") {
    const role = accessRoleOf(accessRules(env), rest);
    // Never more than the session was opened with, never more than the identity has now.
    return role ? (roleAllows(role, row.role) ? row.role : role) : { why: `${rest} no longer has a Deskfleet role` };
  }
  if (kind === "telegram") {
    // The Telegram user's role now, from TELEGRAM_ALLOWED_USER_IDS; never more than the session was opened with.
    const cfg = telegramConfig(env);
    const role = cfg && /^\d{1,16}$/.test(rest) ? userRole(cfg.users, Number(rest)) : null;
    return role ? (roleAllows(role, row.role) ? row.role : role) : { why: `Telegram user ${rest} is no longer in TELEGRAM_ALLOWED_USER_IDS` };
  }
  return { why: "it was opened with a credential this version no longer knows" };
}

/** The country Cloudflare saw the request come from, when it says. */
export function countryOf(req: Request): string | null {
  const country = (req as Request & { cf?: { country?: unknown } }).cf?.country;
  return typeof country === "string" && /^[A-Z]{2}$/.test(country) ? country : null;
}

/** Authenticates the request and requires at least `role`. Every API route but health uses it. */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const identity = await resolveIdentity(c);
    if (!identity) throw new ApiError(401, "unauthenticated", `authentication required; ${HOW_TO_AUTH}`);
    // Credentials the browser attaches by itself must come from our own pages to change anything.
    // A desktop-scoped session comes only as a bearer header, which a browser never attaches by itself.
    if ((identity.kind === "session" || identity.kind === "access") && !identity.desktopId && needsOriginCheck(c.req.raw)) requireSameOrigin(c.req.raw);
    if (identity.desktopId) requireInScope(c.req.method, c.req.path, identity.desktopId);
    if (!roleAllows(identity.role, role)) {
      throw new ApiError(403, "forbidden", `this needs the ${role} role; ${identity.name} has ${identity.role}`);
    }
    c.set("identity", identity);
    await next();
  };
}
