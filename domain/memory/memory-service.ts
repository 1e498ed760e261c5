import type { UpdateMemoryBody } from "@deskfleet/protocol";
import { conflict, notFound } from "../api-error.ts";
import { newId } from "../ids.ts";
import { audit } from "../../db/audit.ts";
import {
  deleteMemories,
  findByHash,
  getMemory,
  insertMemory,
  markUsed,
  memoriesByIds,
  searchMemories as ftsSearch,
  updateMemory as updateMemoryRow,
  type MemoryFilter,
  type MemoryRow,
} from "../../db/memories.ts";
import { fuseRankings } from "./rank-fusion.ts";
import { vectorIndex } from "./vector-index.ts";

/**
 * Memory as a service for every channel: the API, the supervisor's tools and
 * the desktop agents' tools (through DesktopDO). One insight per row, once
 * per collection (by the hash of its normalized content); full-text ranked,
 * fused with vector search when the deployment has a Vectorize index.
 */

export type NewMemory = {
  collection: string;
  content: string;
  metadata?: Record<string, unknown> | undefined;
  /** The agent it belongs to; null: global. */
  agent: string | null;
  /** task:<id>, conversation:<id> or person:<identity>. */
  source: string;
};

/** SHA-256 of the content as it reads: case, spacing and a trailing full stop do not make a new insight. */
export async function contentHash(content: string): Promise<string> {
  const normal = content.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim().replace(/[.!\s]+$/, "");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(normal));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Saves a memory; the same insight already in the collection is returned as it is (`duplicate`), marked as used. */
export async function saveMemory(env: Env, m: NewMemory): Promise<{ memory: MemoryRow; duplicate: boolean }> {
  const now = Date.now();
  const hash = await contentHash(m.content);
  const inserted = await insertMemory(env.DB, {
    id: newId("mem", now),
    collection: m.collection,
    agent: m.agent,
    content: m.content.trim(),
    contentHash: hash,
    metadata: m.metadata ?? {},
    source: m.source,
    createdAt: now,
    updatedAt: now,
    lastUsedAt: null,
  });
  if (!inserted) {
    const existing = await findByHash(env.DB, m.collection, hash);
    if (!existing) throw conflict("memory_changed", "the same memory was being saved and deleted at once; save it again");
    await markUsed(env.DB, [existing.id], now);
    return { memory: { ...existing, lastUsedAt: now }, duplicate: true };
  }
  await syncVector(env, inserted);
  return { memory: inserted, duplicate: false };
}

/**
 * The memories that fit `text` best, best first. Marks them used unless
 * `peek` (a person browsing the Memory page is not a use).
 */
export async function searchMemories(env: Env, text: string, f: MemoryFilter & { limit: number; peek?: boolean }): Promise<MemoryRow[]> {
  const keyword = await ftsSearch(env.DB, text, { ...f, limit: Math.max(f.limit, 20) });
  let rows = keyword.map((k) => k.row);
  const vectors = vectorIndex(env);
  if (vectors) {
    try {
      // The index is not scoped: its nearest are filtered by scope and collection when read back from D1.
      const nearest = await vectors.nearest(text, 50);
      const fused = fuseRankings([rows.map((r) => r.id), nearest]);
      rows = await memoriesByIds(env.DB, fused.slice(0, Math.max(f.limit * 3, 30)), f);
    } catch (err) {
      // Full-text results still answer; a broken vector index must not break search.
      console.error("memory: vector search failed; answering with full-text results", err instanceof Error ? err.message : String(err));
    }
  }
  rows = rows.slice(0, f.limit);
  if (!f.peek) await markUsed(env.DB, rows.map((r) => r.id), Date.now());
  return rows;
}

export async function requireMemory(env: Env, id: string): Promise<MemoryRow> {
  const row = await getMemory(env.DB, id);
  if (!row) throw notFound("memory", id);
  return row;
}

export async function editMemory(env: Env, id: string, b: UpdateMemoryBody, actor: string): Promise<MemoryRow> {
  const row = await requireMemory(env, id);
  const patch: Partial<MemoryRow> = { updatedAt: Date.now() };
  if (b.collection !== undefined) patch.collection = b.collection;
  if (b.content !== undefined) Object.assign(patch, { content: b.content.trim(), contentHash: await contentHash(b.content) });
  if (b.metadata !== undefined) patch.metadata = b.metadata;
  if (b.agent !== undefined) patch.agent = b.agent;
  const updated = await updateMemoryRow(env.DB, id, patch);
  if (updated === "duplicate") {
    throw conflict("duplicate_memory", `collection \`${patch.collection ?? row.collection}\` already holds this memory; delete one of the two instead`);
  }
  if (!updated) throw notFound("memory", id);
  if (b.content !== undefined) await syncVector(env, updated);
  await audit(env.DB, { actor, action: "memory.update", targetType: "memory", targetId: id, details: { fields: Object.keys(b) } });
  return updated;
}

/** Forgets memories; returns the ids that existed. */
export async function forgetMemories(env: Env, ids: string[], actor: string): Promise<string[]> {
  const deleted = await deleteMemories(env.DB, ids);
  if (deleted.length === 0) return [];
  const vectors = vectorIndex(env);
  if (vectors) await vectors.remove(deleted).catch((err: unknown) => console.error("memory: removing vectors failed", err instanceof Error ? err.message : String(err)));
  await audit(env.DB, { actor, action: "memory.delete", targetType: "memory", targetId: deleted.join(","), details: { count: deleted.length } });
  return deleted;
}

async function syncVector(env: Env, row: MemoryRow): Promise<void> {
  const vectors = vectorIndex(env);
  if (!vectors) return;
  // The memory is stored and full-text searchable either way; a failed embedding only leaves it out of vector search.
  await vectors.upsert(row.id, row.content).catch((err: unknown) => console.error("memory: embedding failed for", row.id, err instanceof Error ? err.message : String(err)));
}
