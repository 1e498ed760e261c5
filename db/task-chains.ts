import { and, asc, desc, eq, or, sql } from "drizzle-orm";
import type { TaskEvent } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { taskEvents, tasks } from "./schema.ts";
import type { TaskRow } from "./tasks.ts";
import { rowToEvent } from "./task-events.ts";

/** Every task of a healing chain, oldest first: the first task, its retries and the healer tasks between them. */
export async function listChain(d1: D1Database, rootTaskId: string): Promise<TaskRow[]> {
  return database(d1)
    .select()
    .from(tasks)
    .where(or(eq(tasks.id, rootTaskId), eq(tasks.originalTaskId, rootTaskId)))
    .orderBy(asc(tasks.createdAt), asc(tasks.id))
    .limit(500);
}

/** Whether a healer was already started for this failed task (a re-failure after a follow-up is not healed twice). */
export async function hasHealer(d1: D1Database, failedTaskId: string): Promise<boolean> {
  const rows = await database(d1)
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.source, "healer"), sql`json_extract(${tasks.sourceMeta}, '$.failedTaskId') = ${failedTaskId}`))
    .limit(1);
  return rows.length > 0;
}

/** The newest `limit` events of a task, returned oldest first. */
export async function lastEvents(d1: D1Database, taskId: string, limit: number): Promise<TaskEvent[]> {
  const rows = await database(d1).select().from(taskEvents).where(eq(taskEvents.taskId, taskId)).orderBy(desc(taskEvents.seq)).limit(limit);
  return rows.reverse().map(rowToEvent);
}

/** The highest stored event sequence of a task (0 for none): a waiter's sign of progress. */
export async function lastEventSeq(d1: D1Database, taskId: string): Promise<number> {
  const rows = await database(d1).select({ seq: sql<number | null>`max(${taskEvents.seq})` }).from(taskEvents).where(eq(taskEvents.taskId, taskId));
  return rows[0]?.seq ?? 0;
}
