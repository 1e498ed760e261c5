import { OpenAPIHono } from "@hono/zod-openapi";
import { TelegramWebAppSession, TelegramWebAppSessionBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { errorResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { authFailure, countryOf } from "../auth/authenticate.ts";
import { ApiError, notFound } from "../../domain/api-error.ts";
import { envNumber } from "../../domain/addresses.ts";
import { telegramConfig, userRole } from "../../domain/telegram/config.ts";
import { verifyInitData } from "../../domain/telegram/webapp-init-data.ts";
import { getDesktop } from "../../db/desktops.ts";
import { createSession } from "../../db/sessions.ts";
import { audit } from "../../db/audit.ts";

/** Long enough to answer a question on the screen; the page opens a new one from the same initData while that is fresh. */
export const WEBAPP_SESSION_MS = 15 * 60_000;
const DEFAULT_MAX_AGE_MS = 3_600_000;

/**
 * The desktop Mini App signs in with the initData Telegram gave it: verified with the bot token
 * (HMAC, freshness), the Telegram user mapped to their role as the bot maps them, and a session
 * opened for that one desktop (workers/auth/desktop-scope.ts refuses everything else).
 */
export const telegramWebApp = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  secureRoute("sign_in", {
    method: "post",
    path: "/api/telegram/webapp/session",
    summary: "Open a short-lived session for one desktop from a Telegram Mini App's signed initData (the desktop's live view, takeover and hand-back; nothing else)",
    request: { body: jsonBody(TelegramWebAppSessionBody) },
    responses: {
      201: jsonContent(TelegramWebAppSession, "A session for that desktop: send `Authorization: Bearer <token>`"),
      403: errorResponse("The Telegram user is not in TELEGRAM_ALLOWED_USER_IDS, or the request came from another site's page"),
    },
  }),
  async (c) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) {
      throw new ApiError(403, "cross_origin_refused", `desktop sessions from ${origin.slice(0, 100)} are refused; open the desktop from its button in Telegram`);
    }
    const cfg = telegramConfig(c.env);
    if (!cfg) throw new ApiError(404, "telegram_not_configured", "Telegram is not configured here: set TELEGRAM_BOT_TOKEN to use the desktop Mini App");
    const { initData, desktopId } = c.req.valid("json");
    const verified = await verifyInitData(initData, cfg.token, { now: Date.now(), maxAgeMs: envNumber(c.env.TELEGRAM_WEBAPP_MAX_AGE_MS, DEFAULT_MAX_AGE_MS) });
    if ("refused" in verified) throw await authFailure(c, new ApiError(401, verified.refused.code, verified.refused.message));
    const { user } = verified;
    const role = userRole(cfg.users, user.id);
    if (!role) {
      throw new ApiError(403, "telegram_user_not_allowed", `Telegram user ${user.id} is not allowed to use this Deskfleet; an admin can add viewer:${user.id} (watch) or operator:${user.id} (take over) to TELEGRAM_ALLOWED_USER_IDS`);
    }
    if (!(await getDesktop(c.env.DB, desktopId))) throw notFound("desktop", desktopId);
    const name = [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || `Telegram user ${user.id}`;
    const owner = { identityId: `telegram:${user.id}`, name, role, credential: `telegram:${user.id}` };
    const { cookieValue, id, expiresAt } = await createSession(c.env.DB, { ...owner, via: "telegram_webapp", ipCountry: countryOf(c.req.raw) }, { desktopId, ttlMs: WEBAPP_SESSION_MS });
    await audit(c.env.DB, { actor: owner.identityId, action: "session.create", targetType: "session", targetId: id, details: { via: "telegram_webapp", desktopId } });
    return c.json({ token: cookieValue, expiresAt, desktopId, identity: { id: owner.identityId, name, role }, mayAct: role !== "viewer" }, 201);
  },
);
