import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { SecretMetadata, SecretRelease, SecretScope } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { auditLog, secrets } from "./schema.ts";

export type SecretRow = typeof secrets.$inferSelect;

/** A secret as the API shows it: everything but the sealed value. */
export function toSecretMetadata(r: SecretRow): SecretMetadata {
  return {
    name: r.name,
    kind: r.kind,
    description: r.description,
    scope: r.scope as SecretScope,
    exclusive: r.exclusive,
    totp: r.totp ?? null,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    rotatedAt: r.rotatedAt,
    rotatedBy: r.rotatedBy,
    lastUsedAt: r.lastUsedAt,
    lastUsedBy: r.lastUsedBy,
    lastUsedTaskId: r.lastUsedTaskId,
    lastUsedDesktopId: r.lastUsedDesktopId,
  };
}

export async function listSecrets(d1: D1Database): Promise<SecretRow[]> {
  return database(d1).select().from(secrets).orderBy(asc(secrets.name));
}

export async function getSecret(d1: D1Database, name: string): Promise<SecretRow | null> {
  const rows = await database(d1).select().from(secrets).where(eq(secrets.name, name)).limit(1);
  return rows[0] ?? null;
}

/** Inserts a new secret; false when the name is taken. */
export async function insertSecret(d1: D1Database, row: SecretRow): Promise<boolean> {
  const inserted = await database(d1).insert(secrets).values(row).onConflictDoNothing().returning({ name: secrets.name });
  return inserted.length > 0;
}

export async function updateSecret(d1: D1Database, name: string, patch: Partial<Omit<SecretRow, "name">>): Promise<SecretRow | null> {
  const rows = await database(d1).update(secrets).set(patch).where(eq(secrets.name, name)).returning();
  return rows[0] ?? null;
}

export async function deleteSecret(d1: D1Database, name: string): Promise<boolean> {
  return (await database(d1).delete(secrets).where(eq(secrets.name, name)).returning({ name: secrets.name })).length > 0;
}

/** The exclusive ones among `names`. */
export async function exclusiveSecrets(d1: D1Database, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await database(d1).select({ name: secrets.name }).from(secrets).where(and(inArray(secrets.name, [...names]), eq(secrets.exclusive, true)));
  return rows.map((r) => r.name).sort();
}

/** Which of `names` exist. */
export async function existingSecretNames(d1: D1Database, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await database(d1).select({ name: secrets.name }).from(secrets).where(inArray(secrets.name, [...names]));
  return new Set(rows.map((r) => r.name));
}

/**
 * Records one release of a value: "last used" on the secret and an audit
 * entry (task, desktop, secret name, time), in one batch so neither happens alone.
 */
export async function recordRelease(d1: D1Database, r: { name: string; at: number; by: string; taskId: string | null; desktopId: string; via: SecretRelease["via"] }): Promise<void> {
  const db = database(d1);
  await db.batch([
    db.update(secrets).set({ lastUsedAt: r.at, lastUsedBy: r.by, lastUsedTaskId: r.taskId, lastUsedDesktopId: r.desktopId }).where(eq(secrets.name, r.name)),
    db.insert(auditLog).values({ at: r.at, actor: r.by, action: "secret.release", targetType: "secret", targetId: r.name, details: { taskId: r.taskId, desktopId: r.desktopId, via: r.via } }),
  ]);
}

/** The latest releases of a secret's value, newest first (from the audit log). */
export async function listReleases(d1: D1Database, name: string, limit: number): Promise<SecretRelease[]> {
  const rows = await database(d1)
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, "secret.release"), eq(auditLog.targetType, "secret"), eq(auditLog.targetId, name)))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
  return rows.map((r) => {
    const d = (r.details ?? {}) as { taskId?: string | null; desktopId?: string | null; via?: SecretRelease["via"] };
    return { at: r.at, actor: r.actor, taskId: d.taskId ?? null, desktopId: d.desktopId ?? null, via: d.via ?? "type_secret" };
  });
}
