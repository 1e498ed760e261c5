import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { DashboardSession, SessionIdParam, SessionInfo, SignInBody, SignInLink } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import type { Identity } from "../auth/identity.ts";
import { authFailure, countryOf, identityFromBearer } from "../auth/authenticate.ts";
import { errorResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { enforceLimit } from "../http/rate-limits.ts";
import { ApiError, notFound } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { createSession, deleteSessionByCookie, listSessions, SESSION_COOKIE, SESSION_TTL_MS, type SessionOwner, type SessionRow, type SessionVia } from "../../db/sessions.ts";
import { consumeSignInCode, mintSignInCode } from "../../db/sign-in-codes.ts";
import { audit } from "../../db/audit.ts";
import { sessionKey } from "../../domain/access/grant.ts";
import { endAccess } from "../../domain/access/revocation.ts";
import { endAllSessions, endSession } from "../../domain/access/revoke.ts";

// HttpOnly keeps the value from page scripts; Strict keeps it off cross-site requests, and every
// change and socket it authenticates must also carry our own Origin (workers/auth/same-origin.ts).
const COOKIE_OPTIONS = { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge: SESSION_TTL_MS / 1000 } as const;

const toInfo = (i: Identity, expiresAt: number | null) => ({ identity: { id: i.id, name: i.name, role: i.role, kind: i.kind }, expiresAt });

const toDashboardSession = (r: SessionRow, current: string | undefined) => ({
  id: r.id,
  identity: { id: r.identityId, name: r.name, role: r.role },
  via: r.via,
  createdAt: r.createdAt,
  lastSeenAt: r.lastSeenAt,
  expiresAt: r.expiresAt,
  ipCountry: r.ipCountry,
  current: r.id === current,
  desktopId: r.desktopId,
});

async function ownerFromBody(c: Context<AppEnv>, body: z.infer<typeof SignInBody>): Promise<SessionOwner & { via: SessionVia }> {
  if ("code" in body) {
    const owner = await consumeSignInCode(c.env.DB, body.code);
    if (!owner) {
      throw await authFailure(c, new ApiError(401, "invalid_sign_in_code", "this sign-in link was already used or has expired; run `npm start` again for a new one, or sign in with a token"));
    }
    return { ...owner, via: "link" };
  }
  const identity = await identityFromBearer(c, body.token);
  return { identityId: identity.id, name: identity.name, role: identity.role, credential: identity.credential, via: identity.kind === "admin_token" ? "admin_token" : "api_token" };
}

export const session = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("sign_in", {
      method: "post",
      path: "/api/session",
      summary: "Sign in to the dashboard with a token or a one-time sign-in code; sets the session cookie",
      request: { body: jsonBody(SignInBody) },
      responses: { 201: jsonContent(SessionInfo, "Signed in; the session cookie is set"), 403: errorResponse("A sign-in from another site's page") },
    }),
    async (c) => {
      // A browser says where a sign-in comes from: another site's page must not sign anyone in.
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== new URL(c.req.url).origin) {
        throw new ApiError(403, "cross_origin_refused", `sign-ins from ${origin.slice(0, 100)} are refused; sign in on the dashboard itself`);
      }
      const { via, ...owner } = await ownerFromBody(c, c.req.valid("json"));
      const { cookieValue, id, expiresAt } = await createSession(c.env.DB, { ...owner, via, ipCountry: countryOf(c.req.raw) });
      setCookie(c, SESSION_COOKIE, cookieValue, COOKIE_OPTIONS);
      await audit(c.env.DB, { actor: owner.identityId, action: "session.create", targetType: "session", targetId: id, details: { via } });
      return c.json(toInfo({ kind: "session", id: owner.identityId, name: owner.name, role: owner.role, credential: owner.credential, sessionId: id }, expiresAt), 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/session",
      summary: "Who am I: the signed-in identity (401 when signed out)",
      responses: { 200: jsonContent(SessionInfo, "The caller") },
    }),
    (c) => c.json(toInfo(c.var.identity, c.var.identity.expiresAt ?? null), 200),
  )
  .openapi(
    secureRoute("viewer", {
      method: "delete",
      path: "/api/session",
      summary: "Sign out: ends the session, its live feeds, VNC views and takeover, and clears its cookie",
      responses: { 200: jsonContent(z.object({ signedOut: z.literal(true) }), "Signed out") },
    }),
    async (c) => {
      const value = getCookie(c, SESSION_COOKIE);
      const id = value ? await deleteSessionByCookie(c.env.DB, value) : null;
      if (id) await endAccess(c.env, [sessionKey(id)], "signed out");
      deleteCookie(c, SESSION_COOKIE, COOKIE_OPTIONS);
      return c.json({ signedOut: true as const }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/session/link",
      summary: "Mint a one-time sign-in code (15 minutes, single use) that signs its opener in as the caller",
      responses: { 201: jsonContent(SignInLink, "The code; open `<dashboard>/#signin=<code>`") },
    }),
    async (c) => {
      const i = c.var.identity;
      await enforceLimit(c.env, "LIMIT_CREDENTIALS", i.id);
      const link = await mintSignInCode(c.env.DB, { identityId: i.id, name: i.name, role: i.role, credential: i.credential });
      await audit(c.env.DB, { actor: i.id, action: "session.link" });
      return c.json(link, 201);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "get",
      path: "/api/sessions",
      summary: "Every dashboard session: who, how they signed in, when, last seen, and from which country if known",
      responses: { 200: jsonContent(z.object({ items: z.array(DashboardSession) }), "Live sessions, oldest first") },
    }),
    async (c) => c.json({ items: (await listSessions(c.env.DB)).map((r) => toDashboardSession(r, c.var.identity.sessionId)) }, 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "delete",
      path: "/api/sessions",
      summary: "Sign out everywhere: every dashboard session ends (yours too), with its live feeds, VNC views and takeovers",
      responses: { 200: jsonContent(z.object({ ended: z.number().int().nonnegative() }), "How many sessions ended") },
    }),
    async (c) => {
      const ended = await endAllSessions(c.env);
      await audit(c.env.DB, { actor: c.var.identity.id, action: "session.end_all", details: { ended } });
      if (c.var.identity.sessionId) deleteCookie(c, SESSION_COOKIE, COOKIE_OPTIONS);
      return c.json({ ended }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "delete",
      path: "/api/sessions/{id}",
      summary: "End one dashboard session, with its live feeds, VNC views and takeover",
      request: { params: SessionIdParam },
      responses: { 200: jsonContent(z.object({ ended: z.literal(true), id: z.string() }), "Ended") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await endSession(c.env, id, `an admin (${c.var.identity.name}) ended this session; sign in again`))) throw notFound("session", id);
      await audit(c.env.DB, { actor: c.var.identity.id, action: "session.end", targetType: "session", targetId: id });
      return c.json({ ended: true as const, id }, 200);
    },
  );
