import { and, eq } from "drizzle-orm";
import { database } from "./client.ts";
import { controlPlaneState } from "./schema.ts";

export async function readState(d1: D1Database, key: string): Promise<string | null> {
  const rows = await database(d1).select({ value: controlPlaneState.value }).from(controlPlaneState).where(eq(controlPlaneState.key, key)).limit(1);
  return rows[0]?.value ?? null;
}

/**
 * Sets `key` to `next` only if it still holds `expected` (null: absent). True for the one caller
 * that made the change, so a change noticed by many isolates at once is acted on once.
 */
export async function swapState(d1: D1Database, key: string, expected: string | null, next: string, now = Date.now()): Promise<boolean> {
  const db = database(d1);
  if (expected === null) {
    return (await db.insert(controlPlaneState).values({ key, value: next, updatedAt: now }).onConflictDoNothing().returning({ key: controlPlaneState.key })).length > 0;
  }
  const rows = await db
    .update(controlPlaneState)
    .set({ value: next, updatedAt: now })
    .where(and(eq(controlPlaneState.key, key), eq(controlPlaneState.value, expected)))
    .returning({ key: controlPlaneState.key });
  return rows.length > 0;
}
