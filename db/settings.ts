import { eq } from "drizzle-orm";
import { database } from "./client.ts";
import { settings } from "./schema.ts";

export type SettingRow = typeof settings.$inferSelect;

/** The keys of the settings table; each value is a JSON object. */
export const USER_PROFILE = "user_profile";

export async function getSetting(d1: D1Database, key: string): Promise<SettingRow | null> {
  const rows = await database(d1).select().from(settings).where(eq(settings.key, key)).limit(1);
  return rows[0] ?? null;
}

export async function putSetting(d1: D1Database, key: string, value: Record<string, unknown>, by: string, at: number): Promise<SettingRow> {
  const rows = await database(d1)
    .insert(settings)
    .values({ key, value, updatedBy: by, updatedAt: at })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: by, updatedAt: at } })
    .returning();
  return rows[0]!;
}
