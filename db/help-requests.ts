import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { HelpRequest, HelpRequestStatus } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { helpRequests, tasks } from "./schema.ts";

export type HelpRow = typeof helpRequests.$inferSelect;

export const toHelpRequest = (r: HelpRow): HelpRequest => ({
  id: r.id,
  taskId: r.taskId,
  desktopId: r.desktopId,
  question: r.question,
  options: r.options ?? null,
  secret: r.secret,
  status: r.status,
  answer: r.answer,
  answeredBy: r.answeredBy,
  answeredVia: r.answeredVia,
  screenshotKey: r.screenshotKey,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  resolvedAt: r.resolvedAt,
});

/** Written by TaskDO alone (the one resolver); idempotent so a retried write never duplicates. */
export async function upsertHelpRequest(d1: D1Database, row: HelpRow): Promise<void> {
  const { id: _id, ...rest } = row;
  await database(d1).insert(helpRequests).values(row).onConflictDoUpdate({ target: helpRequests.id, set: rest });
}

export async function getHelpRequest(d1: D1Database, id: string): Promise<HelpRow | null> {
  const rows = await database(d1).select().from(helpRequests).where(eq(helpRequests.id, id)).limit(1);
  return rows[0] ?? null;
}

/** `owner`: only help requests of tasks that identity created (own-only operators). */
export async function listHelpRequests(d1: D1Database, f: { status?: HelpRequestStatus; taskId?: string; owner?: string | null; limit: number }): Promise<HelpRow[]> {
  const where: SQL[] = [];
  if (f.status) where.push(eq(helpRequests.status, f.status));
  if (f.taskId) where.push(eq(helpRequests.taskId, f.taskId));
  if (f.owner) where.push(sql`${helpRequests.taskId} in (select ${tasks.id} from ${tasks} where json_extract(${tasks.sourceMeta}, '$.by') = ${f.owner})`);
  return database(d1)
    .select()
    .from(helpRequests)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(helpRequests.createdAt))
    .limit(f.limit);
}
