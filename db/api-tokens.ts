import { and, desc, eq, isNull } from "drizzle-orm";
import { database } from "./client.ts";
import { apiTokens } from "./schema.ts";
import { sha256Hex } from "./token-secrets.ts";

// last_used_at is refreshed at most this often, so reads stay reads.
const TOUCH_EVERY_MS = 60_000;

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export async function findActiveApiToken(d1: D1Database, token: string): Promise<ApiTokenRow | null> {
  const hash = await sha256Hex(token);
  const rows = await database(d1)
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)))
    .limit(1);
  return rows[0] ?? null;
}

/** Whether a token with this id exists and is not revoked. */
export async function isApiTokenActive(d1: D1Database, id: string): Promise<boolean> {
  const rows = await database(d1).select({ id: apiTokens.id }).from(apiTokens).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).limit(1);
  return rows.length > 0;
}

export async function touchApiToken(d1: D1Database, id: string, lastUsedAt: number | null): Promise<void> {
  const now = Date.now();
  if (lastUsedAt !== null && now - lastUsedAt < TOUCH_EVERY_MS) return;
  await database(d1).update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id));
}

export async function listApiTokens(d1: D1Database): Promise<ApiTokenRow[]> {
  return database(d1).select().from(apiTokens).where(isNull(apiTokens.revokedAt)).orderBy(desc(apiTokens.createdAt));
}

export async function insertApiToken(d1: D1Database, row: typeof apiTokens.$inferInsert): Promise<void> {
  await database(d1).insert(apiTokens).values(row);
}

/** Revokes a token; false when there was no active token with that id. */
export async function revokeApiToken(d1: D1Database, id: string): Promise<boolean> {
  const res = await database(d1)
    .update(apiTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return res.length > 0;
}
