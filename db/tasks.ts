import { and, desc, eq, inArray, isNotNull, lt, ne, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { Task, TaskSource, TaskStatus } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { tasks } from "./schema.ts";
import { ftsQuery } from "./fts-query.ts";

export type TaskRow = typeof tasks.$inferSelect;
export type TaskInsert = typeof tasks.$inferInsert;

export async function getTaskRow(d1: D1Database, id: string): Promise<TaskRow | null> {
  const rows = await database(d1).select().from(tasks).where(eq(tasks.id, id)).limit(1);
  return rows[0] ?? null;
}

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    prompt: row.prompt,
    status: row.status,
    desktopId: row.desktopId,
    agent: row.agent ?? null,
    target: { desktopId: row.targetDesktopId, labels: row.targetLabels },
    source: row.source,
    sourceMeta: row.sourceMeta ?? null,
    scheduleId: row.scheduleId,
    originalTaskId: row.originalTaskId,
    retryNumber: row.retryNumber,
    priority: row.priority,
    options: row.options,
    result: row.result,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    usage: {
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      cacheReadTokens: row.cacheReadTokens,
      cacheWriteTokens: row.cacheWriteTokens,
      costUsd: row.costUsd,
    },
    steps: row.steps,
    waitingReason: row.waitingReason ?? null,
    createdAt: row.createdAt,
    assignedAt: row.assignedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
  };
}

export type TaskFilter = {
  status?: TaskStatus;
  desktopId?: string;
  source?: TaskSource;
  scheduleId?: string;
  agent?: string;
  q?: string;
  /** Only tasks this identity created (`sourceMeta.by`): own-only operators. */
  owner?: string;
  limit: number;
  cursor?: { createdAt: number; id: string };
};

/** Newest first, keyset-paginated on (created_at, id) so pages never shift under inserts. */
export async function listTasks(d1: D1Database, f: TaskFilter): Promise<{ items: TaskRow[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (f.status) where.push(eq(tasks.status, f.status));
  if (f.desktopId) where.push(eq(tasks.desktopId, f.desktopId));
  if (f.source) where.push(eq(tasks.source, f.source));
  if (f.scheduleId) where.push(eq(tasks.scheduleId, f.scheduleId));
  if (f.agent) where.push(eq(tasks.agent, f.agent));
  if (f.owner) where.push(sql`json_extract(${tasks.sourceMeta}, '$.by') = ${f.owner}`);
  if (f.q) {
    const match = ftsQuery(f.q);
    if (match === null) return { items: [], nextCursor: null };
    where.push(inArray(tasks.id, sql`(SELECT task_id FROM task_search WHERE task_search MATCH ${match})`));
  }
  if (f.cursor) {
    const c = f.cursor;
    const before = or(lt(tasks.createdAt, c.createdAt), and(eq(tasks.createdAt, c.createdAt), lt(tasks.id, c.id)));
    if (before) where.push(before);
  }
  const rows = await database(d1)
    .select()
    .from(tasks)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(f.limit + 1);
  const items = rows.slice(0, f.limit);
  const last = items.at(-1);
  const nextCursor = rows.length > f.limit && last ? encodeCursor(last.createdAt, last.id) : null;
  return { items, nextCursor };
}

export function encodeCursor(createdAt: number, id: string): string {
  return btoa(`${createdAt}:${id}`).replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } | null {
  try {
    const [at, id] = atob(cursor).split(":");
    const createdAt = Number(at);
    if (!id || !Number.isSafeInteger(createdAt)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

/** Writes the whole task row; TaskDO is the only caller and always holds the latest state. */
export async function upsertTaskRow(d1: D1Database, row: TaskInsert): Promise<void> {
  const { id: _id, createdAt: _c, ...mutable } = row;
  await database(d1).insert(tasks).values(row).onConflictDoUpdate({ target: tasks.id, set: mutable });
}

/** The task that last finished on a desktop, other than `exceptId` (healer and optimizer tasks run on no desktop). */
export async function previousTaskOn(d1: D1Database, desktopId: string, exceptId: string): Promise<TaskRow | null> {
  const rows = await database(d1)
    .select()
    .from(tasks)
    .where(and(eq(tasks.desktopId, desktopId), ne(tasks.id, exceptId), isNotNull(tasks.finishedAt), notInArray(tasks.source, ["healer", "optimizer"])))
    .orderBy(desc(tasks.finishedAt))
    .limit(1);
  return rows[0] ?? null;
}
