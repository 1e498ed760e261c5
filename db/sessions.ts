import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Role } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { apiTokens, sessions } from "./schema.ts";
import { generateToken, sha256Hex } from "./token-secrets.ts";

export const SESSION_COOKIE = "deskfleet_session";
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type SessionOwner = { identityId: string; name: string; role: Role };
export type FoundSession = SessionOwner & { expiresAt: number };

export async function findSession(d1: D1Database, cookieValue: string): Promise<FoundSession | null> {
  const db = database(d1);
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.idHash, await sha256Hex(cookieValue)), gt(sessions.expiresAt, Date.now())))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  // A session opened with an API token ends when that token is revoked.
  const tokenId = /^token:(.+)$/.exec(row.identityId)?.[1];
  if (tokenId) {
    const live = await db.select({ id: apiTokens.id }).from(apiTokens).where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt))).limit(1);
    if (!live[0]) return null;
  }
  return { identityId: row.identityId, name: row.name, role: row.role, expiresAt: row.expiresAt };
}

/** Opens a session; returns the cookie value (only its SHA-256 is stored). */
export async function createSession(d1: D1Database, owner: SessionOwner): Promise<{ cookieValue: string; expiresAt: number }> {
  const cookieValue = generateToken("dfs");
  const now = Date.now();
  const expiresAt = now + SESSION_TTL_MS;
  const db = database(d1);
  // Sweep expired rows here: sign-ins are rare, so this keeps the table small without a cron.
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  await db.insert(sessions).values({ idHash: await sha256Hex(cookieValue), ...owner, createdAt: now, expiresAt });
  return { cookieValue, expiresAt };
}

export async function deleteSession(d1: D1Database, cookieValue: string): Promise<void> {
  await database(d1).delete(sessions).where(eq(sessions.idHash, await sha256Hex(cookieValue)));
}
