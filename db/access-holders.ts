import { inArray, lt, sql } from "drizzle-orm";
import { database } from "./client.ts";
import { accessHolders } from "./schema.ts";

/** Rows older than this are swept: every socket is dropped by a deploy long before, and leases last minutes. */
const KEEP_MS = 30 * 24 * 60 * 60 * 1000;

/** Notes that `object` holds something opened under each key (refreshing `at` for a key seen again). */
export async function recordHolder(d1: D1Database, keys: readonly string[], object: string, now = Date.now()): Promise<void> {
  if (keys.length === 0) return;
  await database(d1)
    .insert(accessHolders)
    .values(keys.map((key) => ({ key, object, at: now })))
    .onConflictDoUpdate({ target: [accessHolders.key, accessHolders.object], set: { at: sql`excluded.at` } });
}

/** The objects holding anything opened under these keys. */
export async function holdersOf(d1: D1Database, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await database(d1).selectDistinct({ object: accessHolders.object }).from(accessHolders).where(inArray(accessHolders.key, [...keys]));
  return rows.map((r) => r.object);
}

export async function forgetHolders(d1: D1Database, keys: readonly string[], now = Date.now()): Promise<void> {
  const db = database(d1);
  if (keys.length > 0) await db.delete(accessHolders).where(inArray(accessHolders.key, [...keys]));
  await db.delete(accessHolders).where(lt(accessHolders.at, now - KEEP_MS));
}
