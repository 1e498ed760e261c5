import { and, asc, eq, gt, like, lt, ne } from "drizzle-orm";
import type { Role } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { sessions } from "./schema.ts";
import { base64url, generateToken, sha256Hex } from "./token-secrets.ts";

export const SESSION_COOKIE = "deskfleet_session";
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
// last_seen_at is refreshed at most this often, so reads stay reads.
const TOUCH_EVERY_MS = 60_000;

export type SessionVia = (typeof sessions.$inferSelect)["via"];
export type SessionOwner = { identityId: string; name: string; role: Role; credential: string };
export type SessionRow = typeof sessions.$inferSelect;

/** The live (unexpired) session of a cookie value, whatever its credential; the caller re-checks that. */
export async function findSession(d1: D1Database, cookieValue: string): Promise<SessionRow | null> {
  const rows = await database(d1)
    .select()
    .from(sessions)
    .where(and(eq(sessions.idHash, await sha256Hex(cookieValue)), gt(sessions.expiresAt, Date.now())))
    .limit(1);
  return rows[0] ?? null;
}

/** Opens a session; returns the cookie value (only its SHA-256 is stored) and the session's public id. */
export async function createSession(
  d1: D1Database,
  owner: SessionOwner & { via: SessionVia; ipCountry: string | null },
  scope: { desktopId: string; ttlMs: number } | null = null,
): Promise<{ cookieValue: string; id: string; expiresAt: number }> {
  // A desktop-scoped session is carried as a bearer token (`dfw_`), never as the dashboard's cookie.
  const cookieValue = generateToken(scope ? "dfw" : "dfs");
  const id = `ses_${base64url(crypto.getRandomValues(new Uint8Array(12)))}`;
  const now = Date.now();
  const expiresAt = now + (scope?.ttlMs ?? SESSION_TTL_MS);
  const db = database(d1);
  // Sweep expired rows here: sign-ins are rare, so this keeps the table small without a cron.
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  await db.insert(sessions).values({ idHash: await sha256Hex(cookieValue), id, ...owner, desktopId: scope?.desktopId ?? null, createdAt: now, lastSeenAt: now, expiresAt });
  return { cookieValue, id, expiresAt };
}

/** Notes a use of the session (at most once a minute), with the country it came from when known. */
export async function touchSession(d1: D1Database, row: SessionRow, ipCountry: string | null, now = Date.now()): Promise<void> {
  if (now - row.lastSeenAt < TOUCH_EVERY_MS && (ipCountry === null || ipCountry === row.ipCountry)) return;
  await database(d1).update(sessions).set({ lastSeenAt: now, ...(ipCountry ? { ipCountry } : {}) }).where(eq(sessions.idHash, row.idHash));
}

export async function listSessions(d1: D1Database, now = Date.now()): Promise<SessionRow[]> {
  return database(d1).select().from(sessions).where(gt(sessions.expiresAt, now)).orderBy(asc(sessions.createdAt));
}

const ended = { id: sessions.id };

/** Ends the session of a cookie value; returns its public id, or null if there was none. */
export async function deleteSessionByCookie(d1: D1Database, cookieValue: string): Promise<string | null> {
  const rows = await database(d1).delete(sessions).where(eq(sessions.idHash, await sha256Hex(cookieValue))).returning(ended);
  return rows[0]?.id ?? null;
}

export async function deleteSessionById(d1: D1Database, id: string): Promise<boolean> {
  return (await database(d1).delete(sessions).where(eq(sessions.id, id)).returning(ended)).length > 0;
}

/** Ends every session opened with a credential; returns their public ids. */
export async function deleteSessionsOfCredential(d1: D1Database, credential: string): Promise<string[]> {
  return (await database(d1).delete(sessions).where(eq(sessions.credential, credential)).returning(ended)).map((r) => r.id);
}

/** Ends every session opened with an admin token other than the one in force (the token was rotated). */
export async function deleteSessionsOfOtherAdminTokens(d1: D1Database, current: string): Promise<string[]> {
  return (await database(d1).delete(sessions).where(and(like(sessions.credential, "admin:%"), ne(sessions.credential, current))).returning(ended)).map((r) => r.id);
}

/** Sign out everywhere: ends every session; returns their public ids. */
export async function deleteAllSessions(d1: D1Database): Promise<string[]> {
  return (await database(d1).delete(sessions).returning(ended)).map((r) => r.id);
}
