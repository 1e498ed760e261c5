import { and, asc, eq, gt } from "drizzle-orm";
import type { TaskEvent } from "@deskfleet/protocol";
import { storedTaskEvent } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { taskEvents } from "./schema.ts";

export type StoredEvent = TaskEvent & { text: string | null };

/** D1 allows at most 100 bound parameters per statement; 9 columns a row. */
const ROWS_PER_STATEMENT = 10;

/** Idempotent: a (task_id, seq) already stored is skipped, so a retried flush never duplicates. */
export async function insertEvents(d1: D1Database, events: StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  const db = database(d1);
  const statements = [];
  for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
    const rows = events.slice(i, i + ROWS_PER_STATEMENT).map((e) => ({
      taskId: e.taskId,
      seq: e.seq,
      type: e.kind,
      source: e.source,
      hostSeq: e.hostSeq,
      payload: e.data,
      text: e.text,
      createdAt: e.at,
    }));
    statements.push(db.insert(taskEvents).values(rows).onConflictDoNothing());
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

export async function listEvents(d1: D1Database, taskId: string, after: number, limit: number): Promise<TaskEvent[]> {
  const rows = await database(d1)
    .select()
    .from(taskEvents)
    .where(and(eq(taskEvents.taskId, taskId), gt(taskEvents.seq, after)))
    .orderBy(asc(taskEvents.seq))
    .limit(limit);
  return rows.map(rowToEvent);
}

/** A D1 row as the stored event it is (TaskDO checked its data when it stored it). */
export function rowToEvent(r: typeof taskEvents.$inferSelect): TaskEvent {
  return storedTaskEvent({ taskId: r.taskId, seq: r.seq, kind: r.type, source: r.source, hostSeq: r.hostSeq, data: r.payload, at: r.createdAt });
}
