import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SessionInfo, SignInBody, SignInLink } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import type { Identity } from "../auth/identity.ts";
import { identityFromBearer } from "../auth/authenticate.ts";
import { jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { ApiError } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { createSession, deleteSession, SESSION_COOKIE, SESSION_TTL_MS, type SessionOwner } from "../../db/sessions.ts";
import { consumeSignInCode, mintSignInCode } from "../../db/sign-in-codes.ts";
import { audit } from "../../db/audit.ts";

// HttpOnly keeps the value from page scripts; Strict keeps it off every cross-site request (no CSRF, no cross-site WebSocket).
const COOKIE_OPTIONS = { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge: SESSION_TTL_MS / 1000 } as const;

const toInfo = (i: Identity, expiresAt: number | null) => ({ identity: { id: i.id, name: i.name, role: i.role, kind: i.kind }, expiresAt });

async function ownerFromBody(c: Context<AppEnv>, body: z.infer<typeof SignInBody>): Promise<SessionOwner & { via: string }> {
  if ("code" in body) {
    const owner = await consumeSignInCode(c.env.DB, body.code);
    if (!owner) throw new ApiError(401, "invalid_sign_in_code", "this sign-in link was already used or has expired; run `npm start` again for a new one, or sign in with a token");
    return { ...owner, via: "link" };
  }
  const identity = await identityFromBearer(c, body.token);
  return { identityId: identity.id, name: identity.name, role: identity.role, via: identity.kind };
}

export const session = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("sign_in", {
      method: "post",
      path: "/api/session",
      summary: "Sign in to the dashboard with a token or a one-time sign-in code; sets the session cookie",
      request: { body: jsonBody(SignInBody) },
      responses: { 201: jsonContent(SessionInfo, "Signed in; the session cookie is set") },
    }),
    async (c) => {
      const { via, ...owner } = await ownerFromBody(c, c.req.valid("json"));
      const { cookieValue, expiresAt } = await createSession(c.env.DB, owner);
      setCookie(c, SESSION_COOKIE, cookieValue, COOKIE_OPTIONS);
      await audit(c.env.DB, { actor: owner.identityId, action: "session.create", details: { via } });
      return c.json(toInfo({ kind: "session", id: owner.identityId, name: owner.name, role: owner.role }, expiresAt), 201);
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
      summary: "Sign out: ends the session and clears its cookie",
      responses: { 200: jsonContent(z.object({ signedOut: z.literal(true) }), "Signed out") },
    }),
    async (c) => {
      const value = getCookie(c, SESSION_COOKIE);
      if (value) await deleteSession(c.env.DB, value);
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
      const link = await mintSignInCode(c.env.DB, { identityId: i.id, name: i.name, role: i.role });
      await audit(c.env.DB, { actor: i.id, action: "session.link" });
      return c.json(link, 201);
    },
  );
