import { and, asc, count, eq } from "drizzle-orm";
import type { TaskFile, TaskFileKind } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { taskFiles } from "./schema.ts";

export type TaskFileRow = typeof taskFiles.$inferSelect;

export const toTaskFile = (r: TaskFileRow): TaskFile => ({
  id: r.id, taskId: r.taskId, kind: r.kind, name: r.name, contentType: r.contentType, bytes: r.bytes, by: r.createdBy, createdAt: r.createdAt,
});

export async function insertTaskFile(d1: D1Database, row: TaskFileRow): Promise<void> {
  await database(d1).insert(taskFiles).values(row);
}

export async function listTaskFiles(d1: D1Database, taskId: string): Promise<TaskFileRow[]> {
  return database(d1).select().from(taskFiles).where(eq(taskFiles.taskId, taskId)).orderBy(asc(taskFiles.createdAt), asc(taskFiles.id));
}

export async function getTaskFile(d1: D1Database, taskId: string, fileId: string): Promise<TaskFileRow | null> {
  const [row] = await database(d1).select().from(taskFiles).where(and(eq(taskFiles.taskId, taskId), eq(taskFiles.id, fileId))).limit(1);
  return row ?? null;
}

export async function countTaskFiles(d1: D1Database, taskId: string, kind: TaskFileKind): Promise<number> {
  const [row] = await database(d1).select({ n: count() }).from(taskFiles).where(and(eq(taskFiles.taskId, taskId), eq(taskFiles.kind, kind)));
  return row?.n ?? 0;
}
