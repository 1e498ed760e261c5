import { and, desc, eq, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { Memory } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { memories } from "./schema.ts";
import { memoryQuery } from "./memory-query.ts";

export type MemoryRow = typeof memories.$inferSelect;
export type MemoryInsert = typeof memories.$inferInsert;

/**
 * Which memories a reader sees: everything (people in the dashboard, the
 * supervisor), or what one agent reads — the global ones and its own (a task
 * without an agent reads the global ones).
 */
export type MemoryScope = { kind: "all" } | { kind: "agent"; agent: string | null };

export type MemoryFilter = { scope: MemoryScope; collection?: string | undefined };

export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    collection: row.collection,
    agent: row.agent,
    content: row.content,
    contentHash: row.contentHash,
    metadata: row.metadata,
    source: row.source,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

const scoped = (f: MemoryFilter): SQL[] => {
  const where: SQL[] = [];
  if (f.collection) where.push(eq(memories.collection, f.collection));
  if (f.scope.kind === "agent") {
    const own = f.scope.agent === null ? isNull(memories.agent) : or(isNull(memories.agent), eq(memories.agent, f.scope.agent));
    if (own) where.push(own);
  }
  return where;
};

export async function getMemory(d1: D1Database, id: string): Promise<MemoryRow | null> {
  const rows = await database(d1).select().from(memories).where(eq(memories.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function findByHash(d1: D1Database, collection: string, contentHash: string): Promise<MemoryRow | null> {
  const rows = await database(d1).select().from(memories).where(and(eq(memories.collection, collection), eq(memories.contentHash, contentHash))).limit(1);
  return rows[0] ?? null;
}

/** Inserts unless the collection already holds the same content (by hash): then null, and nothing changes. */
export async function insertMemory(d1: D1Database, row: MemoryInsert): Promise<MemoryRow | null> {
  const rows = await database(d1).insert(memories).values(row).onConflictDoNothing({ target: [memories.collection, memories.contentHash] }).returning();
  return rows[0] ?? null;
}

/** Null when the change would make it a duplicate of another memory in its collection, or it is gone. */
export async function updateMemory(d1: D1Database, id: string, patch: Partial<Omit<MemoryInsert, "id" | "createdAt">>): Promise<MemoryRow | null | "duplicate"> {
  try {
    const rows = await database(d1).update(memories).set(patch).where(eq(memories.id, id)).returning();
    return rows[0] ?? null;
  } catch (err) {
    if (err instanceof Error && /UNIQUE constraint failed/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? "")}`)) return "duplicate";
    throw err;
  }
}

export async function deleteMemories(d1: D1Database, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await database(d1).delete(memories).where(inArray(memories.id, ids)).returning({ id: memories.id });
  return rows.map((r) => r.id);
}

export async function markUsed(d1: D1Database, ids: string[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await database(d1).update(memories).set({ lastUsedAt: at }).where(inArray(memories.id, ids));
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listMemories(d1: D1Database, f: MemoryFilter & { limit: number; cursor?: { createdAt: number; id: string } | undefined }): Promise<{ items: MemoryRow[]; nextCursor: { createdAt: number; id: string } | null }> {
  const where = scoped(f);
  if (f.cursor) {
    const c = f.cursor;
    const before = or(lt(memories.createdAt, c.createdAt), and(eq(memories.createdAt, c.createdAt), lt(memories.id, c.id)));
    if (before) where.push(before);
  }
  const rows = await database(d1)
    .select()
    .from(memories)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(memories.createdAt), desc(memories.id))
    .limit(f.limit + 1);
  const items = rows.slice(0, f.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > f.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** BM25 weights of memory_search's columns: memory_id (not indexed), content, extra (metadata text). */
const BM25 = sql.raw("bm25(memory_search, 0.0, 1.0, 0.5)");

/**
 * Full-text search, best first by BM25 (FTS5's `bm25()` is lower for a
 * better match). Empty when the words leave nothing to search for.
 */
export async function searchMemories(d1: D1Database, text: string, f: MemoryFilter & { limit: number }): Promise<{ row: MemoryRow; score: number }[]> {
  const match = memoryQuery(text);
  if (match === null) return [];
  const where = [sql`memory_search MATCH ${match}`, ...scoped(f)];
  const rows = await database(d1)
    .select({ row: memories, score: sql<number>`${BM25}`.as("score") })
    .from(sql`memory_search`)
    .innerJoin(memories, eq(memories.id, sql`memory_search.memory_id`))
    .where(and(...where))
    .orderBy(sql`score`)
    .limit(f.limit);
  return rows;
}

/** Memories by id, in the order given (for ranking fused from several searches); missing ids are skipped. */
export async function memoriesByIds(d1: D1Database, ids: string[], f: MemoryFilter): Promise<MemoryRow[]> {
  if (ids.length === 0) return [];
  const rows = await database(d1).select().from(memories).where(and(inArray(memories.id, ids), ...scoped(f)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
