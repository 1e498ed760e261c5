import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Skill, SkillVersion } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { skills, skillVersions } from "./schema.ts";

export type SkillRow = typeof skills.$inferSelect;
export type SkillVersionRow = typeof skillVersions.$inferSelect;

/** A skill change: the new description and body, who made it and why. Written with the skill, atomically. */
export type SkillChange = { id: string; description: string; body: string; author: string; reason: string | null; at: number };

export function toSkill(row: SkillRow, usedBy: string[]): Skill {
  return {
    name: row.name,
    description: row.description,
    body: row.body,
    version: row.version,
    usedBy,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toSkillVersion(row: SkillVersionRow, current: number): SkillVersion {
  return { version: row.version, description: row.description, body: row.body, author: row.author, reason: row.reason, current: row.version === current, createdAt: row.createdAt };
}

export async function listSkills(d1: D1Database): Promise<SkillRow[]> {
  return database(d1).select().from(skills).orderBy(asc(skills.name)).limit(500);
}

export async function getSkill(d1: D1Database, name: string): Promise<SkillRow | null> {
  const rows = await database(d1).select().from(skills).where(eq(skills.name, name)).limit(1);
  return rows[0] ?? null;
}

export async function skillsByName(d1: D1Database, names: string[]): Promise<SkillRow[]> {
  if (names.length === 0) return [];
  return database(d1).select().from(skills).where(inArray(skills.name, names));
}

export async function skillNames(d1: D1Database): Promise<string[]> {
  const rows = await database(d1).select({ name: skills.name }).from(skills).orderBy(asc(skills.name)).limit(500);
  return rows.map((r) => r.name);
}

/** Inserts a skill and its version 1 in one transaction; null when the name is taken. */
export async function insertSkill(d1: D1Database, name: string, change: SkillChange): Promise<SkillRow | null> {
  const db = database(d1);
  const [inserted] = await db.batch([
    db.insert(skills).values({ name, description: change.description, body: change.body, version: 1, createdBy: change.author, createdAt: change.at, updatedAt: change.at }).onConflictDoNothing({ target: skills.name }).returning(),
    db
      .insert(skillVersions)
      .values({ id: change.id, skillName: name, version: 1, description: change.description, body: change.body, author: change.author, reason: change.reason, createdAt: change.at })
      .onConflictDoNothing({ target: [skillVersions.skillName, skillVersions.version] }),
  ]);
  return inserted[0] ?? null;
}

/**
 * Makes `change` version `expectedVersion + 1`, only if the skill is still at
 * `expectedVersion` (both writes in one transaction): a concurrent edit makes
 * this return null instead of losing a version.
 */
export async function updateSkill(d1: D1Database, name: string, expectedVersion: number, change: SkillChange): Promise<SkillRow | null> {
  const db = database(d1);
  const same = and(eq(skills.name, name), eq(skills.version, expectedVersion));
  const [, updated] = await db.batch([
    db.insert(skillVersions).select(
      db
        .select({
          id: sql<string>`${change.id}`.as("id"),
          skillName: skills.name,
          version: sql<number>`${skills.version} + 1`.as("version"),
          description: sql<string>`${change.description}`.as("description"),
          body: sql<string>`${change.body}`.as("body"),
          author: sql<string>`${change.author}`.as("author"),
          reason: sql<string | null>`${change.reason}`.as("reason"),
          createdAt: sql<number>`${change.at}`.as("created_at"),
        })
        .from(skills)
        .where(same),
    ),
    db
      .update(skills)
      .set({ description: change.description, body: change.body, version: sql`${skills.version} + 1`, updatedAt: change.at })
      .where(same)
      .returning(),
  ]);
  return updated[0] ?? null;
}

/** Deletes a skill and its history. */
export async function deleteSkill(d1: D1Database, name: string): Promise<boolean> {
  const db = database(d1);
  const [, deleted] = await db.batch([
    db.delete(skillVersions).where(eq(skillVersions.skillName, name)),
    db.delete(skills).where(eq(skills.name, name)).returning({ name: skills.name }),
  ]);
  return deleted.length > 0;
}

export async function listSkillVersions(d1: D1Database, name: string): Promise<SkillVersionRow[]> {
  return database(d1).select().from(skillVersions).where(eq(skillVersions.skillName, name)).orderBy(desc(skillVersions.version));
}

export async function getSkillVersion(d1: D1Database, name: string, version: number): Promise<SkillVersionRow | null> {
  const rows = await database(d1).select().from(skillVersions).where(and(eq(skillVersions.skillName, name), eq(skillVersions.version, version))).limit(1);
  return rows[0] ?? null;
}
