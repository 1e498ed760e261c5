import { z } from "zod";
import { EpochMs } from "./ids.ts";
import { Role } from "./api.ts";

/** Sign in with a token (admin or API token) or a one-time code from a sign-in link. */
export const SignInBody = z.union([
  z.strictObject({ token: z.string().trim().min(1, { message: "paste a token" }).max(512) }),
  z.strictObject({ code: z.string().trim().min(1).max(128) }),
]);
export type SignInBody = z.infer<typeof SignInBody>;

export const IdentityKind = z.enum(["admin_token", "api_token", "access", "session"]);

/** Who the caller is, as the dashboard shows it. */
export const SessionIdentity = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  kind: IdentityKind,
});
export type SessionIdentity = z.infer<typeof SessionIdentity>;

export const SessionInfo = z.object({
  identity: SessionIdentity,
  /** When the session cookie expires; null when the caller is not using a session (bearer, Access). */
  expiresAt: EpochMs.nullable(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SignInLink = z.object({
  /** The one-time code: append it to the dashboard URL as `#signin=<code>` (a fragment never reaches a server log). */
  code: z.string(),
  expiresAt: EpochMs,
});
export type SignInLink = z.infer<typeof SignInLink>;

/** How a session was opened (`telegram_webapp`: the desktop Mini App, from verified Telegram initData). */
export const SessionVia = z.enum(["admin_token", "api_token", "link", "access", "telegram_webapp"]);

/** A dashboard session as admins see it (`GET /api/sessions`): never its cookie. */
export const DashboardSession = z.object({
  /** `ses_…`: end it with `DELETE /api/sessions/{id}`. */
  id: z.string(),
  identity: z.object({ id: z.string(), name: z.string(), role: Role }),
  via: SessionVia,
  createdAt: EpochMs,
  lastSeenAt: EpochMs,
  expiresAt: EpochMs,
  /** The country (ISO 3166-1 alpha-2) of the address it was last used from, when Cloudflare says. */
  ipCountry: z.string().nullable(),
  /** Whether this is the caller's own session. */
  current: z.boolean(),
  /** A Telegram Mini App session opens this one desktop only; null for dashboard sessions. */
  desktopId: z.string().nullable(),
});
export type DashboardSession = z.infer<typeof DashboardSession>;

export const SessionIdParam = z.object({ id: z.string().regex(/^ses_[A-Za-z0-9_-]{8,64}$/, { message: "a session id looks like ses_…" }) });

/** `POST /api/telegram/webapp/session`: the Mini App's signed Telegram initData, and the desktop it opens. */
export const TelegramWebAppSessionBody = z.strictObject({
  initData: z.string().min(1, { message: "initData is empty: open the desktop from its button in Telegram" }).max(8_192),
  desktopId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, { message: "desktopId is a desktop's id (letters, digits, `_` or `-`)" }),
});
export type TelegramWebAppSessionBody = z.infer<typeof TelegramWebAppSessionBody>;

/** A short-lived session for one desktop, carried as `Authorization: Bearer <token>` (the page keeps it in memory only). */
export const TelegramWebAppSession = z.object({
  token: z.string(),
  expiresAt: EpochMs,
  desktopId: z.string(),
  identity: z.object({ id: z.string(), name: z.string(), role: Role }),
  /** Whether this person may take over the desktop (operator or admin); a viewer only watches. */
  mayAct: z.boolean(),
});
export type TelegramWebAppSession = z.infer<typeof TelegramWebAppSession>;
